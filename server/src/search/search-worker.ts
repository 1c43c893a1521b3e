import { parentPort, workerData } from 'node:worker_threads';
import { SharedLinkPlanner, SharedSearcher, type SearchReply, type SearchRequest } from '@sextant/core';
import type { AttachMessage, FilterMessage, HeldMessage, HeldReply, PlanMessage } from './search-pool.js';

/** search-pool.ts's REQUEST_FIELDS (this entry imports only its types, so the pool module never loads here). */
const REQUEST_FIELDS = 7;

/**
 * A search thread (see search-pool.ts for the wire format): walks shared HNSW graphs for the main thread. It is told
 * of a graph (`attach`: arena or quantized codes, graph arrays, distance) before its first search of it and after it grew; searches
 * come in batches of plain numbers with their query rows in the shared ring `queries`, and each batch is answered by
 * one array of numbers.
 */
const port = parentPort!;
const { slot, queries } = workerData as { slot: number; queries: Float32Array };
const searcher = new SharedSearcher(slot);
/** Plans batches of an index build (`plan` messages), answered `{ planned, ok }`; see core's build-batches.ts. */
const planner = new SharedLinkPlanner(slot);
const setups = new Map<number, AttachMessage>();
const distances = new Map<number, SearchRequest['distance']>();
/** Accept sets of filtered walks, by request id, until their batch arrives. */
const filters = new Map<number, FilterMessage>();

port.on('message', (message: number[] | AttachMessage | FilterMessage | PlanMessage | HeldMessage | { forget: number }) => {
  if (!Array.isArray(message)) {
    if ('plan' in message) {
      let ok = false;
      try {
        ok = planner.plan(message);
      } catch {
        // A plan that throws is a bug, not the batch's fault: the main thread links those nodes itself.
      }
      port.postMessage({ planned: message.plan, ok });
    } else if ('held' in message) {
      port.postMessage({ held: message.held, searched: searcher.size, planned: planner.size } satisfies HeldReply);
    } else if ('filter' in message) {
      filters.set(message.filter, message);
    } else if ('forget' in message) {
      searcher.forget(message.forget);
      planner.forget(message.forget);
      setups.delete(message.forget);
      distances.delete(message.forget);
    } else {
      setups.set(message.attach, message);
      distances.set(message.attach, message.distance);
    }
    return;
  }
  const out: number[] = [];
  for (let i = 0; i < message.length; i += REQUEST_FIELDS) {
    const key = message[i + 1]!;
    const offset = message[i + 4]!;
    const request: SearchRequest = {
      id: message[i]!,
      key,
      distance: distances.get(key) ?? 'Dot',
      query: queries.subarray(offset, offset + message[i + 5]!),
      k: message[i + 2]!,
      ef: message[i + 3]!,
    };
    const limit = message[i + 6]!;
    if (limit >= 0) request.limit = limit;
    const filter = filters.get(request.id);
    if (filter !== undefined) {
      request.filter = filter;
      filters.delete(request.id);
    }
    const setup = setups.get(key);
    if (setup !== undefined) {
      request.arena = setup.arena;
      request.codes = setup.codes;
      request.graph = setup.graph;
      setups.delete(key);
    }
    let reply: SearchReply;
    try {
      reply = searcher.search(request);
    } catch (error) {
      // A walk that throws is a bug, not the request's fault: the main thread answers in-thread.
      reply = { id: request.id, retry: true, reason: error instanceof Error ? error.message : String(error) };
    }
    out.push(reply.id);
    if (!('ids' in reply)) {
      out.push(-1);
      continue;
    }
    const n = reply.ids.length;
    out.push(n);
    for (let j = 0; j < n; j++) out.push(reply.ids[j]!);
    for (let j = 0; j < n; j++) out.push(reply.scores[j]!);
  }
  port.postMessage(out);
});
