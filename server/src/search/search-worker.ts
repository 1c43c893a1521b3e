import { parentPort, workerData } from 'node:worker_threads';
import { SharedSearcher, type SearchReply, type SearchRequest } from '@sextant/core';

/**
 * A search thread (see search-pool.ts): walks shared HNSW graphs for the main thread. Messages are search requests
 * or `{ forget: key }` when a graph is gone; replies carry their request's id, ids and scores transferred, not copied.
 */
const port = parentPort!;
const searcher = new SharedSearcher((workerData as { slot: number }).slot);

port.on('message', (message: SearchRequest | { forget: number }) => {
  if ('forget' in message) {
    searcher.forget(message.forget);
    return;
  }
  let reply: SearchReply;
  try {
    reply = searcher.search(message);
  } catch (error) {
    // A walk that throws is a bug, not the request's fault: the main thread answers in-thread and logs it once.
    reply = { id: message.id, retry: true, reason: error instanceof Error ? error.message : String(error) };
  }
  if ('ids' in reply) port.postMessage(reply, [reply.ids.buffer as ArrayBuffer, reply.scores.buffer as ArrayBuffer]);
  else port.postMessage(reply);
});
