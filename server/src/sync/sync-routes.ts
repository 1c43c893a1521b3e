/**
 * Sync endpoints, beside Qdrant's routes (Qdrant has nothing under `/collections/{name}/sync/`):
 *
 *   POST /collections/{name}/sync/pull    body JSON `PullRequest` {since?: {epoch, seq} | null, filter?, limit?, wait_ms?}
 *        -> 200 `application/vnd.sextant.sync` frame: a snapshot (encoded segment + config + checkpoint; its frame
 *           length in bytes in `x-sextant-snapshot-length`, for progress; its id in `x-sextant-snapshot-id`;
 *           with `resume: {snapshot, offset}` of a frame still cached, only its bytes from `offset` on, said in
 *           `x-sextant-snapshot-offset`) when
 *           `since` is absent, from another epoch or older than the retained journal; else a page of changes
 *           (points in their current state, removals, payload index schema, checkpoint, `more`). With `wait_ms`
 *           and nothing new, the answer waits (long poll, at most 30 s) until a change arrives.
 *   POST /collections/{name}/sync/push    body `application/vnd.sextant.sync` frame `PushRequest`
 *        -> 200 frame `PushResponse`: per change `applied` | `duplicate` | `rejected`, new versions, conflicts.
 *   GET  /collections/{name}/sync/status  -> Qdrant-style JSON envelope {result: {epoch, checkpoint, retained_from,
 *           journal_entries, points_count}}.
 *
 * Keys: pull and status need any key (the read-only key is enough), push needs the full key. Errors use Qdrant's
 * JSON envelope `{status: {error}, time}`; frames are only ever success answers.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  SNAPSHOT_ID_HEADER, SNAPSHOT_LENGTH_HEADER, SNAPSHOT_OFFSET_HEADER, SYNC_CONTENT_TYPE, SextantError, decodePushRequest, encodePullPage, encodePushResponse, errors, pageLimit,
  type ChangeFeed, type Checkpoint, type Engine, type PullRequest,
} from '@sextant/core';
import { authorize, type AuthKeys } from '../rest/auth.js';
import { SnapshotCache } from './snapshot-cache.js';
import { SyncService } from './sync-service.js';

/** Longest long poll; shorter than common proxy idle timeouts. */
const MAX_WAIT_MS = 30_000;

export interface SyncRoutesOptions {
  engine: Engine;
  keys: AuthKeys;
  /** Journal entries retained per collection (see ChangeJournal). */
  retain?: number;
}

export function registerSyncRoutes(app: FastifyInstance, options: SyncRoutesOptions): SyncService {
  const service = new SyncService(options.engine, options.retain === undefined ? {} : { retain: options.retain });
  const snapshots = new SnapshotCache();
  app.addHook('onClose', async () => {
    snapshots.clear();
    await service.close();
  });
  // Long polls would hold a shutdown for up to MAX_WAIT_MS: answer them (with no changes) as soon as closing starts.
  const waiting = new Set<() => void>();
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
    for (const wake of [...waiting]) wake();
  });

  app.post('/collections/:name/sync/pull', async (request, reply) => {
    // Pull only reads: authorize it as a GET so the read-only key may sync.
    authorize(request, 'GET', 'sync_pull', options.keys);
    const body = pullRequest(request.body);
    const { feed } = await service.get(nameOf(request));
    if (feed.canServe(body.since) && body.since.seq === feed.collection.lastSeq && (body.wait_ms ?? 0) > 0 && !closing) {
      await waitForChange(feed, Math.min(MAX_WAIT_MS, body.wait_ms!), reply.raw, waiting);
    }
    if (feed.canServe(body.since)) {
      const frame = encodePullPage(feed.changes(body.since, body.filter, pageLimit(body.limit)));
      return reply.header('content-type', SYNC_CONTENT_TYPE).send(toBuffer(frame));
    }
    // A snapshot: the rest of a cached frame when the client resumes one still held, else the current one.
    const held = body.resume === undefined ? undefined : snapshots.resume(body.resume.snapshot);
    const offset = held !== undefined && body.resume!.offset <= held.frame.byteLength ? body.resume!.offset : 0;
    const checkpoint = feed.checkpoint();
    const key = JSON.stringify([nameOf(request), checkpoint.epoch, checkpoint.seq, body.filter ?? null]);
    const snapshot = offset > 0 ? held! : snapshots.get(key, () => encodePullPage(feed.snapshot(body.filter)));
    // The frame's own length (gzip may shrink the transfer; fetch hands readers the inflated bytes), so a client
    // can show the download's progress and resume it; exposed for pages of other origins, which see no custom
    // header otherwise.
    return reply
      .header(SNAPSHOT_LENGTH_HEADER, String(snapshot.frame.byteLength))
      .header(SNAPSHOT_ID_HEADER, snapshot.id)
      .header(SNAPSHOT_OFFSET_HEADER, String(offset))
      .header('access-control-expose-headers', `${SNAPSHOT_LENGTH_HEADER}, ${SNAPSHOT_ID_HEADER}, ${SNAPSHOT_OFFSET_HEADER}`)
      .header('content-type', SYNC_CONTENT_TYPE)
      .send(toBuffer(snapshot.frame.subarray(offset)));
  });

  app.post('/collections/:name/sync/push', async (request, reply) => {
    authorize(request, 'POST', 'sync_push', options.keys);
    if (!Buffer.isBuffer(request.body)) throw errors.badRequest(`sync push: send a ${SYNC_CONTENT_TYPE} frame`);
    const push = decodePushRequest(new Uint8Array(request.body.buffer, request.body.byteOffset, request.body.byteLength));
    const response = await service.push(nameOf(request), push);
    return reply.header('content-type', SYNC_CONTENT_TYPE).send(toBuffer(encodePushResponse(response)));
  });

  app.get('/collections/:name/sync/status', async (request) => {
    authorize(request, 'GET', 'sync_status', options.keys);
    const { feed } = await service.get(nameOf(request));
    return {
      result: {
        epoch: feed.epoch,
        checkpoint: feed.checkpoint(),
        retained_from: feed.journal.floor,
        journal_entries: feed.journal.length,
        points_count: feed.collection.segment.ids.liveCount,
      },
      status: 'ok',
      time: 0,
    };
  });
  return service;
}

function nameOf(request: FastifyRequest): string {
  return (request.params as { name: string }).name;
}

/** Checks the pull body's shape at the boundary; the filter itself is checked when the feed parses it. */
function pullRequest(raw: unknown): PullRequest {
  const body = (raw ?? {}) as Record<string, unknown>;
  if (typeof body !== 'object' || Array.isArray(body)) throw errors.validation('sync pull: expected an object');
  const since = body['since'];
  if (since !== undefined && since !== null) {
    const s = since as Partial<Checkpoint>;
    // -1 is the checkpoint of a collection that has taken no operation yet (operation ids start at 0).
    if (typeof s !== 'object' || typeof s.epoch !== 'string' || !Number.isInteger(s.seq) || s.seq! < -1) {
      throw errors.validation('since: expected {epoch: string, seq: number} or null');
    }
  }
  for (const field of ['limit', 'wait_ms'] as const) {
    const v = body[field];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) throw errors.validation(`${field}: expected a non-negative number`);
  }
  const resume = body['resume'];
  if (resume !== undefined) {
    const r = resume as { snapshot?: unknown; offset?: unknown } | null;
    if (r === null || typeof r !== 'object' || typeof r.snapshot !== 'string' || !Number.isSafeInteger(r.offset) || (r.offset as number) < 0) {
      throw errors.validation('resume: expected {snapshot: string, offset: non-negative integer}');
    }
  }
  const filter = body['filter'];
  if (filter !== undefined && filter !== null && (typeof filter !== 'object' || Array.isArray(filter))) {
    throw new SextantError('bad_filter', 'filter: expected a Qdrant filter object');
  }
  return body as PullRequest;
}

/**
 * Resolves on the next applied op, after `ms`, when the client goes away, or when the server starts closing
 * (through `waiting`), whichever comes first.
 */
function waitForChange(feed: ChangeFeed, ms: number, response: ServerResponse, waiting: Set<() => void>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      unsubscribe();
      response.off('close', done);
      waiting.delete(done);
      resolve();
    };
    waiting.add(done);
    const timer = setTimeout(done, ms);
    const unsubscribe = feed.onChange(done);
    // The response's close (not the request's, which fires once the body is read) tells a dropped connection.
    response.once('close', done);
  });
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
