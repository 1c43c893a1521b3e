// A search worker (`/sdk/sextant-search-worker.js`): walks shared HNSW graphs for the engine's worker, which starts
// it when the page is cross-origin isolated (see worker/search-threads.ts), and plans the links of index builds'
// batches over the same shared memory. Kept at the package root next to sextant-worker.js, which finds it with
// `new URL('./sextant-search-worker.js', import.meta.url)`.
//
// Messages: first `{ slot }` (this worker's scratch slot in the shared arenas), then batches of search requests,
// shares of a build batch to plan (`{ plan, ... }`, answered `{ planned, ok }`), or `{ forget: key }` when a graph is
// gone. Each search batch is answered by one message of replies carrying their request's id, with ids and scores
// transferred, not copied.
import { SharedLinkPlanner, SharedSearcher, type SearchReply, type SearchRequest } from '@sextant/core';
import type { PlanMessage } from './worker/search-threads.js';

type Message = { slot: number } | { batch: SearchRequest[] } | PlanMessage | { forget: number };

let searcher: SharedSearcher | undefined;
/** Walkers of build plans rank in the same scratch slot as searches: a worker runs one message at a time. */
let planner: SharedLinkPlanner | undefined;

self.onmessage = (event: MessageEvent<Message>) => {
  const message = event.data;
  if ('slot' in message) {
    searcher ??= new SharedSearcher(message.slot);
    planner ??= new SharedLinkPlanner(message.slot);
    return;
  }
  if ('forget' in message) {
    searcher?.forget(message.forget);
    planner?.forget(message.forget);
    return;
  }
  if ('plan' in message) {
    let ok = false;
    try {
      ok = planner?.plan(message) ?? false;
    } catch {
      // A plan that throws is a bug, not the batch's fault: the engine's worker links those nodes itself.
    }
    (self as unknown as Worker).postMessage({ planned: message.plan, ok });
    return;
  }
  const replies: SearchReply[] = [];
  const transfer: ArrayBuffer[] = [];
  for (const request of message.batch) {
    let reply: SearchReply;
    try {
      reply = searcher === undefined ? { id: request.id, retry: true, reason: 'no slot' } : searcher.search(request);
    } catch (error) {
      // A walk that throws is a bug, not the request's fault: the engine's worker answers in-thread.
      reply = { id: request.id, retry: true, reason: error instanceof Error ? error.message : String(error) };
    }
    if ('ids' in reply) transfer.push(reply.ids.buffer as ArrayBuffer, reply.scores.buffer as ArrayBuffer);
    replies.push(reply);
  }
  (self as unknown as Worker).postMessage(replies, transfer);
};
