import type { EngineEvent, EngineEvents, EngineRequest, RequestArg } from '../../main/common/contracts/api.ts';
import type { BridgeResult, TrainyardApi } from '../../main/common/contracts/bridge.ts';
import { toErrorData } from '../../main/common/contracts/errors.ts';
import type { ServedEngine } from '../../main/hosts/served-engine.ts';

/**
 * The bridge the renderer sees, wired straight to an engine in the same process (component tests).
 * A file handed to it is "uploaded" to `uploads/<name>` and recorded in `uploaded`.
 */
export function inProcessApi(engine: ServedEngine, uploaded: File[] = []): TrainyardApi {
  const invoke = async <K extends EngineRequest>(name: K, arg: RequestArg<K>): Promise<BridgeResult<K>> => {
    try {
      return { ok: true, value: await engine.request(name, arg) } as BridgeResult<K>;
    } catch (err) {
      return { ok: false, error: toErrorData(err) };
    }
  };
  return {
    invoke,
    on: <E extends EngineEvent>(event: E, listener: (p: EngineEvents[E]) => void) => engine.on(event, listener),
    cancel: (jobId) => invoke('jobs.cancel', { jobId }),
    useFile: async (file) => {
      uploaded.push(file);
      return `uploads/${file.name}`;
    },
  };
}
