import { transfer } from 'comlink';
import { SextantError } from '@sextant/core';
import type { ChangeEvent, ClientMethod, Reply, Role, SyncCommand, SyncEvent, WorkerApi } from '../protocol.js';
import { isClientMethod } from '../client-methods.js';
import { pack, toReply, unpack } from '../wire.js';
import { EngineHost, type EngineFactory } from './engine-host.js';
import type { ThreadReport } from './search-threads.js';

/**
 * The object the worker exposes through comlink. This is the worker-message boundary: the method name and the
 * argument list are checked here, the engine validates the arguments themselves as at any client entry.
 * Replies are envelopes (see protocol.ts) whose packed arrays are transferred to the page.
 */
export function createWorkerApi(createEngine: EngineFactory): WorkerApi {
  const host = new EngineHost(createEngine);
  const reply = async <T>(run: () => Promise<T>): Promise<Reply> => {
    const result = await toReply(run);
    if (!result.ok) return result;
    const packed = pack(result.value);
    return transfer({ ok: true, value: packed.value }, packed.transfer);
  };

  return {
    open(options: { name: string; searchThreads?: number }): Promise<Reply<{ role: Role }>> {
      return toReply(async () => {
        if (typeof options?.name !== 'string' || options.name.length === 0) {
          throw new SextantError('bad_request', 'Bad request: openDatabase needs a non-empty `name`.');
        }
        const threads = options.searchThreads;
        if (threads !== undefined && !(Number.isInteger(threads) && threads >= 0)) {
          throw new SextantError('bad_request', 'Bad request: `searchThreads` must be a non-negative integer (0: no search workers).');
        }
        await host.open(options.name, threads === undefined ? {} : { searchThreads: threads });
        return { role: host.role() };
      });
    },
    async call(method: ClientMethod, args: unknown[]): Promise<Reply> {
      const result = await toReply(async () => {
        if (!isClientMethod(method)) {
          throw new SextantError('bad_request', `Bad request: \`${String(method)}\` is not a method of the Sextant client.`);
        }
        if (!Array.isArray(args)) throw new SextantError('bad_request', 'Bad request: the arguments must be a list.');
        return host.invokeTimed(method, unpack(args) as unknown[]);
      });
      if (!result.ok) return result;
      // The engine's time rides beside the value, so the value stays exactly what the engine returned.
      const packed = pack(result.value.value);
      return transfer({ ok: true, value: packed.value, workerMs: result.value.workerMs }, packed.transfer);
    },
    flush(): Promise<Reply> {
      return reply(async () => {
        await host.invoke('flush', []);
      });
    },
    threads(): Promise<Reply<ThreadReport>> {
      return toReply(async () => (await host.invoke('threads', [])) as ThreadReport);
    },
    role(): Role {
      return host.role();
    },
    onChange(listener: (event: ChangeEvent) => void): void {
      host.onChange(listener);
    },
    sync(command: SyncCommand): Promise<Reply> {
      // Not packed: commands and sync events hold no JSON vectors, only small fields and typed arrays.
      return toReply(() => host.invoke('sync', [command]));
    },
    onSync(listener: (event: SyncEvent) => void): void {
      host.onSync(listener);
    },
    close(): Promise<Reply> {
      return toReply(() => host.close());
    },
  };
}
