import { parentPort, workerData } from 'node:worker_threads';
import { SharedSearcher, type SearchReply, type SearchRequest } from '@sextant/core';

/**
 * A search thread (see search-pool.ts): walks shared HNSW graphs for the main thread. Messages are batches of search
 * requests, or `{ forget: key }` when a graph is gone; each batch is answered by one message of replies carrying
 * their request's id, ids and scores transferred, not copied.
 */
const port = parentPort!;
const searcher = new SharedSearcher((workerData as { slot: number }).slot);

port.on('message', (message: { batch: SearchRequest[] } | { forget: number }) => {
  if ('forget' in message) {
    searcher.forget(message.forget);
    return;
  }
  // One reply per batch: a message costs more than a walk's answer, so they travel together.
  const replies: SearchReply[] = [];
  const transfer: ArrayBuffer[] = [];
  for (const request of message.batch) {
    let reply: SearchReply;
    try {
      reply = searcher.search(request);
    } catch (error) {
      // A walk that throws is a bug, not the request's fault: the main thread answers in-thread.
      reply = { id: request.id, retry: true, reason: error instanceof Error ? error.message : String(error) };
    }
    if ('ids' in reply) transfer.push(reply.ids.buffer as ArrayBuffer, reply.scores.buffer as ArrayBuffer);
    replies.push(reply);
  }
  port.postMessage(replies, transfer);
});
