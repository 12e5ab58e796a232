import { EventEmitter } from 'node:events';
import type { EngineEvent, EngineEvents } from '../common/contracts/api.ts';

export type Emit = <E extends EngineEvent>(event: E, payload: EngineEvents[E]) => void;
export type Subscribe = <E extends EngineEvent>(event: E, listener: (payload: EngineEvents[E]) => void) => () => void;

/** A typed event bus over EngineEvents. */
export function createEventBus(): { emit: Emit; on: Subscribe } {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    emit: (event, payload) => void emitter.emit(event, payload),
    on: (event, listener) => {
      emitter.on(event, listener);
      return () => void emitter.off(event, listener);
    },
  };
}
