import { errors } from '../client/errors.js';
import type { Operation } from '../collection/operations.js';
import { parsePointId } from '../segment/id-tracker.js';
import { opKeys } from './op-keys.js';
import type { ChangesPage, Conflict, LocalChange, PointState, PullPage, PushRequest, PushResponse } from './sync-protocol.js';
import { VectorPacker, VectorUnpacker, decodeFrame, encodeFrame } from './wire-frame.js';

/**
 * Bytes for the sync messages that carry vectors: pull pages (server -> replica), push requests (replica -> server)
 * and push responses (conflicts carry the server's point). Each is one frame (`wire-frame.ts`); a snapshot's blob
 * is the encoded segment itself, so it is never re-encoded on the way.
 */
export const SYNC_CONTENT_TYPE = 'application/vnd.sextant.sync';

export function encodePullPage(page: PullPage): Uint8Array {
  if (page.kind === 'snapshot') {
    const { segment, ...meta } = page;
    return encodeFrame(meta, segment);
  }
  const packer = new VectorPacker();
  const upserts = page.upserts.map((p) => packPoint(p, packer));
  return encodeFrame({ ...page, upserts }, packer.bytes());
}

export function decodePullPage(bytes: Uint8Array): PullPage {
  const { meta, blob } = decodeFrame(bytes);
  const m = meta as Record<string, unknown>;
  if (m['kind'] === 'snapshot') return { ...(m as Omit<Extract<PullPage, { kind: 'snapshot' }>, 'segment'>), segment: blob };
  if (m['kind'] !== 'changes') throw errors.badRequest('sync frame: unknown page kind');
  const unpacker = new VectorUnpacker(blob);
  const page = m as unknown as ChangesPage;
  return { ...page, upserts: page.upserts.map((p) => unpackPoint(p, unpacker)) };
}

export function encodePushRequest(request: PushRequest): Uint8Array {
  const packer = new VectorPacker();
  const changes = request.changes.map((c) => ({ ...c, op: packOp(c.op, packer) }));
  return encodeFrame({ client: request.client, changes }, packer.bytes());
}

/** Decodes and shape-checks a push from a client: ids normalized, `bases` one per written point, `n` increasing. */
export function decodePushRequest(bytes: Uint8Array): PushRequest {
  const { meta, blob } = decodeFrame(bytes);
  const m = meta as { client?: unknown; changes?: unknown };
  if (typeof m.client !== 'string' || m.client.length === 0 || m.client.length > 200) throw errors.badRequest('sync push: client must be a non-empty string');
  if (!Array.isArray(m.changes)) throw errors.badRequest('sync push: changes must be an array');
  const unpacker = new VectorUnpacker(blob);
  let last = 0;
  const changes = m.changes.map((raw: unknown, i: number): LocalChange => {
    const c = raw as { n?: unknown; op?: unknown; bases?: unknown };
    if (typeof c.n !== 'number' || !Number.isSafeInteger(c.n) || c.n <= last) throw errors.badRequest(`sync push: changes[${i}].n must increase`);
    last = c.n;
    const op = checkOp(unpackOp(c.op, unpacker), i);
    const keys = opKeys(op);
    if (!Array.isArray(c.bases) || c.bases.length !== keys.length || !c.bases.every((b) => typeof b === 'number' && b >= -1)) {
      throw errors.badRequest(`sync push: changes[${i}].bases must hold one version per point`);
    }
    return { n: c.n, op, bases: c.bases as number[] };
  });
  return { client: m.client, changes };
}

export function encodePushResponse(response: PushResponse): Uint8Array {
  const packer = new VectorPacker();
  const results = response.results.map((r) => ({
    ...r,
    conflicts: r.conflicts.map((c) => ({ ...c, server: c.server === null ? null : packPoint(c.server, packer) })),
  }));
  return encodeFrame({ checkpoint: response.checkpoint, results }, packer.bytes());
}

export function decodePushResponse(bytes: Uint8Array): PushResponse {
  const { meta, blob } = decodeFrame(bytes);
  const unpacker = new VectorUnpacker(blob);
  const m = meta as PushResponse;
  return {
    checkpoint: m.checkpoint,
    results: m.results.map((r) => ({
      ...r,
      conflicts: r.conflicts.map((c): Conflict => ({ ...c, server: c.server === null ? null : unpackPoint(c.server, unpacker) })),
    })),
  };
}

function packPoint(p: PointState, packer: VectorPacker): unknown {
  return { ...p, vectors: packer.packAll(p.vectors) };
}

function unpackPoint(raw: unknown, unpacker: VectorUnpacker): PointState {
  const p = raw as PointState;
  return { id: p.id, version: p.version, payload: p.payload ?? null, vectors: unpacker.unpackAll(p.vectors) };
}

function packOp(op: Operation, packer: VectorPacker): unknown {
  if (op.type === 'upsert') return { ...op, points: op.points.map((p) => ({ ...p, vectors: packer.packAll(p.vectors) })) };
  if (op.type === 'update_vectors') return { ...op, points: op.points.map((p) => ({ ...p, vectors: packer.packAll(p.vectors) })) };
  return op;
}

function unpackOp(raw: unknown, unpacker: VectorUnpacker): Operation {
  const op = raw as { type?: unknown; points?: unknown };
  if ((op?.type === 'upsert' || op?.type === 'update_vectors') && Array.isArray(op.points)) {
    return {
      ...op,
      points: op.points.map((p: { id?: unknown; vectors?: unknown; payload?: unknown }) => ({ ...p, vectors: unpacker.unpackAll(p?.vectors ?? {}) })),
    } as Operation;
  }
  return raw as Operation;
}

const PUSHABLE = new Set(['upsert', 'delete_points', 'update_vectors', 'delete_vectors', 'set_payload', 'overwrite_payload', 'delete_payload', 'clear_payload']);

/** Structure only (ids normalized); vector sizes and payload shapes are checked by the op builder when applied. */
function checkOp(op: Operation, i: number): Operation {
  const bad = (why: string) => errors.badRequest(`sync push: changes[${i}].op ${why}`);
  if (op === null || typeof op !== 'object' || !PUSHABLE.has(op.type)) throw bad('has an unknown type');
  if (op.type === 'upsert' || op.type === 'update_vectors') {
    if (!Array.isArray(op.points)) throw bad('points must be an array');
    const points = op.points.map((p) => {
      if (p === null || typeof p !== 'object') throw bad('points must be objects');
      return { ...p, id: parsePointId(p.id) };
    });
    return { ...op, points } as Operation;
  }
  const ids = (op as { ids?: unknown }).ids;
  if (!Array.isArray(ids)) throw bad('ids must be an array');
  if (op.type === 'delete_vectors' && !Array.isArray(op.names)) throw bad('names must be an array');
  if (op.type === 'delete_payload' && !Array.isArray(op.keys)) throw bad('keys must be an array');
  return { ...op, ids: ids.map(parsePointId) } as Operation;
}
