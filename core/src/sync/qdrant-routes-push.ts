import type { Schemas } from '../client/sextant-client.js';
import { SextantError } from '../client/errors.js';
import type { Operation } from '../collection/operations.js';
import type { PointKey } from '../segment/id-tracker.js';
import type { Clock } from '../storage.js';
import { opKeys } from './op-keys.js';
import { collectionPath, restPointState, stampOf, vectorField, type RestPoint } from './qdrant-rest.js';
import type { ChangeResult, Checkpoint, LocalChange, PushRequest, PushResponse } from './sync-protocol.js';

type Call = (method: string, path: string, body?: unknown) => Promise<unknown>;
type Filter = Schemas['Filter'];

/**
 * Pushes through Qdrant's standard routes: each local change becomes one `POST /points/batch`, every point in it
 * guarded by a filter that matches the point only while the server still has the version the change was based on
 * (its stamp at or below the base, or no stamp at all when the base is a stampless 0), or a stamp this client wrote
 * itself. Upserts carry it as `update_filter`; deletes, payload and vector edits select their point by it. Each
 * written point gets this change's stamp, so a read-back tells, per point, whether the change landed: stamp ours
 * (or, for a delete, point gone) = applied; anything else = a conflict carrying the server's state.
 *
 * A change keeps its stamp across retries (in memory), so a push retried after a lost answer matches its own earlier
 * write and reports it applied rather than writing twice. Limits, where Qdrant's routes offer no atomic check:
 * `update_filter` cannot stop an insert, so an upsert of a point deleted on the server since its base is caught by
 * a read just before (a narrow race remains); and a stamp is only as unique as the clock's milliseconds per point.
 */
export class QdrantRoutesPusher {
  private readonly stamps = new Map<number, number>();
  /** The stamp of this client's latest write per point. */
  private readonly own = new Map<PointKey, number>();
  private lastStamp = 0;

  constructor(
    private readonly call: Call,
    private readonly field: string,
    private readonly clock: Clock,
    private readonly checkpoint: () => Checkpoint,
  ) {}

  async push(collection: string, request: PushRequest): Promise<PushResponse> {
    const results: ChangeResult[] = [];
    for (const change of request.changes) results.push(await this.pushOne(collection, change));
    return { checkpoint: this.checkpoint(), results };
  }

  private stampFor(n: number): number {
    let stamp = this.stamps.get(n);
    if (stamp === undefined) {
      stamp = Math.max(Math.floor(this.clock.now()), this.lastStamp + 1);
      this.lastStamp = stamp;
      this.stamps.set(n, stamp);
    }
    return stamp;
  }

  private async pushOne(collection: string, change: LocalChange): Promise<ChangeResult> {
    const keys = opKeys(change.op);
    const stamp = this.stampFor(change.n);
    const result: ChangeResult = { n: change.n, status: 'applied', versions: keys.map(() => -1), conflicts: [] };
    const before = await this.read(collection, keys);
    const operations: unknown[] = [];
    keys.forEach((key, i) => {
      const base = change.bases[i]!;
      // update_filter only guards replacing: a point the server deleted since the base would be re-created.
      if (change.op.type === 'upsert' && base >= 0 && !before.has(key)) return;
      operations.push(...this.guarded(change.op, i, key, this.guard(key, base, stamp), stamp));
    });
    if (operations.length > 0) {
      try {
        await this.call('POST', collectionPath(collection, '/points/batch?wait=true'), { operations });
      } catch (error) {
        // A 404 is a point deleted between the read and the batch: the read-back below reports it as a conflict.
        if (!SextantError.is(error) || error.code === 'unavailable' || (error.code !== 'bad_request' && error.code !== 'collection_not_found')) throw error;
        if (error.code === 'bad_request') return { ...result, status: 'rejected', error: error.message };
      }
    }
    const after = await this.read(collection, keys);
    keys.forEach((key, i) => {
      const point = after.get(key);
      const landed = change.op.type === 'delete_points' ? point === undefined : point !== undefined && stampOf(point.payload, this.field) === stamp;
      if (landed) {
        result.versions[i] = stamp;
        if (change.op.type !== 'delete_points') this.own.set(key, stamp);
      } else {
        result.conflicts.push({ id: key, base: change.bases[i]!, server: point === undefined ? null : restPointState(point, this.field) });
      }
    });
    this.stamps.delete(change.n);
    return result;
  }

  private async read(collection: string, keys: PointKey[]): Promise<Map<PointKey, RestPoint>> {
    const points = (await this.call('POST', collectionPath(collection, '/points'), { ids: keys, with_payload: true, with_vector: true })) as RestPoint[];
    return new Map(points.map((p) => [p.id, p]));
  }

  /** Matches the point only while it is as the change saw it, or as this client (this change included) left it. */
  private guard(key: PointKey, base: number, stamp: number): Filter {
    const field = this.field;
    const exactly = (s: number) => ({ key: field, range: { gte: s, lte: s } });
    const should: unknown[] = [exactly(stamp)];
    const own = this.own.get(key);
    if (own !== undefined && own !== stamp) should.push(exactly(own));
    if (base >= 0) should.push({ key: field, range: { lte: base } }, { is_empty: { key: field } });
    return { must: [{ has_id: [key] }], should } as Filter;
  }

  /** The batch entries that apply position `i` of `op` under `guard`, stamping the point. */
  private guarded(op: Operation, i: number, key: PointKey, guard: Filter, stamp: number): unknown[] {
    const stampIt = { set_payload: { payload: { [this.field]: stamp }, filter: guard } };
    switch (op.type) {
      case 'upsert': {
        const p = op.points[i]!;
        return [{ upsert: { points: [{ id: key, vector: vectorField(p.vectors), payload: { ...(p.payload ?? {}), [this.field]: stamp } }], update_filter: guard } }];
      }
      case 'delete_points':
        return [{ delete: { filter: guard } }];
      case 'set_payload':
        if (op.key === undefined) return [{ set_payload: { payload: { ...op.payload, [this.field]: stamp }, filter: guard } }];
        return [{ set_payload: { payload: op.payload, key: op.key, filter: guard } }, stampIt];
      case 'overwrite_payload':
        return [{ overwrite_payload: { payload: { ...op.payload, [this.field]: stamp }, filter: guard } }];
      case 'clear_payload':
        return [{ overwrite_payload: { payload: { [this.field]: stamp }, filter: guard } }];
      case 'delete_payload': {
        const keys = op.keys.filter((k) => k !== this.field);
        return [...(keys.length > 0 ? [{ delete_payload: { keys, filter: guard } }] : []), stampIt];
      }
      case 'update_vectors':
        return [{ update_vectors: { points: [{ id: key, vector: vectorField(op.points[i]!.vectors) }], update_filter: guard } }, stampIt];
      case 'delete_vectors':
        return [{ delete_vectors: { filter: guard, vector: op.names } }, stampIt];
      default:
        return [];
    }
  }
}
