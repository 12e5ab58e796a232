import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EventMessage } from '../common/contracts/bridge.ts';
import { ENGINE_EVENTS } from '../common/contracts/requests.ts';
import { publicErrorsIn, type RevealPath } from '../hosts/public-error.ts';
import type { ServedEngine } from '../hosts/served-engine.ts';

export interface EventSocket {
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): Promise<void>;
}

/** Broadcasts every engine event to all connected WebSocket clients as `{ event, payload }` (errors in them as a page may see them). */
export function createEventSocket(engine: ServedEngine, reveals: RevealPath): EventSocket {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const clients = new Set<WebSocket>();

  const broadcast = (message: EventMessage): void => {
    const text = JSON.stringify(message);
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(text);
  };
  const unsubscribes = ENGINE_EVENTS.map((event) =>
    engine.on(event, (payload) => broadcast({ event, payload: publicErrorsIn(payload, reveals) } as EventMessage)),
  );

  wss.on('connection', (ws) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('error', () => clients.delete(ws));
  });

  return {
    upgrade(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    close() {
      for (const off of unsubscribes) off();
      for (const ws of clients) ws.terminate();
      return new Promise((resolve) => wss.close(() => resolve()));
    },
  };
}
