import type { SearchExecutor } from './executor.js';

/**
 * The executor whose threads background index builds use (see build-batches.ts), process-wide like
 * `shareWithThreads`: the platform that starts the threads registers them after opening the database and
 * unregisters them before closing them. None: every graph is built serially, as always.
 */
let builder: SearchExecutor | undefined;

export function buildOnThreads(executor: SearchExecutor | undefined): void {
  builder = executor?.planLinks === undefined ? undefined : executor;
}

export function buildThreads(): SearchExecutor | undefined {
  return builder;
}
