import type { Schemas } from '../client/sextant-client.js';
import { errors } from '../client/errors.js';
import { parsePointId, type PointKey } from '../segment/id-tracker.js';
import { type BoundFilter, bindFilter, matchingIds } from '../query/point-filter.js';
import type { VectorSpec } from './config.js';
import type { LocalSegment } from './local-segment.js';
import type { Operation, PointWrite } from './operations.js';
import { parsePayload, parsePointInsert, parseVectorUpdates } from './point-writes.js';
import { parseJsonPath } from '../segment/json-path.js';

/** Checks a write must pass before it becomes an op (strict mode); each throws to reject the request. */
export interface WriteGuard {
  /** Parsed points of an upsert or update_vectors, before update_mode / update_filter narrow them. */
  points(points: readonly Pick<PointWrite, 'id' | 'vectors'>[], kind: 'upsert' | 'update'): void;
  /** A filter that selects the points a write changes. */
  filter(filter: Schemas['Filter']): void;
}
const NO_GUARD: WriteGuard = { points: () => undefined, filter: () => undefined };

type Selector = { points?: Schemas['ExtendedPointId'][] | null; filter?: Schemas['Filter'] | null };

/**
 * Turns API write bodies into operations, against the segment's current state (this runs inside the collection's
 * write queue). Filter selectors become the id lists they match now; ids that must exist are checked now; so an
 * operation either is fully valid or is rejected before anything is logged or changed.
 *
 * `known` carries the ids a batch creates or removes before the op at hand, so a batch may upsert a point and
 * then set its payload.
 */
export class OpBuilder {
  private readonly created = new Set<PointKey>();
  private readonly removed = new Set<PointKey>();

  constructor(
    private readonly segment: LocalSegment,
    private readonly specs: Map<string, VectorSpec>,
    private readonly guard: WriteGuard = NO_GUARD,
  ) {}

  /**
   * `update_mode` and `update_filter` (Qdrant 1.19's conditional upsert) are resolved here, against the state the op
   * is accepted on: points they exclude are left out of the logged op, so replay needs neither.
   * - `insert_only`: only ids that do not exist yet; `update_only`: only ids that do.
   * - `update_filter`: an existing point is replaced only if it matches; ids that do not exist are inserted anyway.
   */
  upsert(body: Schemas['PointInsertOperations']): Operation {
    let points = parsePointInsert(body, this.specs);
    this.guard.points(points, 'upsert');
    const mode = body.update_mode ?? 'upsert';
    if (mode !== 'upsert' && mode !== 'insert_only' && mode !== 'update_only') {
      throw errors.validation(`update_mode: unknown variant \`${String(mode)}\`, expected one of \`upsert\`, \`insert_only\`, \`update_only\``);
    }
    const filter = this.updateFilter(body.update_filter);
    if (mode !== 'upsert' || filter !== undefined) {
      points = points.filter((p) => {
        const state = this.existing(p.id);
        if (state === undefined) return mode !== 'update_only';
        if (mode === 'insert_only') return false;
        // A point created earlier in the same batch is not in the segment yet: nothing to test the filter on.
        return filter === undefined || state === 'batch' || filter.matches(state);
      });
    }
    for (const p of points) {
      this.created.add(p.id);
      this.removed.delete(p.id);
    }
    return { type: 'upsert', points };
  }

  deletePoints(selector: Selector): Operation {
    const ids = this.select(selector, false);
    for (const id of ids) {
      this.removed.add(id);
      this.created.delete(id);
    }
    return { type: 'delete_points', ids };
  }

  /** With `update_filter`, points that exist but do not match it keep their vectors (not an error, as in Qdrant). */
  updateVectors(points: Schemas['PointVectors'][], updateFilter?: Schemas['Filter'] | null): Operation {
    let updates = parseVectorUpdates(points, this.specs);
    this.guard.points(updates, 'update');
    for (const u of updates) this.mustExist(u.id);
    const filter = this.updateFilter(updateFilter);
    if (filter !== undefined) {
      updates = updates.filter((u) => {
        const state = this.existing(u.id);
        return state === 'batch' || (state !== undefined && filter.matches(state));
      });
    }
    return { type: 'update_vectors', points: updates };
  }

  deleteVectors(selector: Selector, vector: string[]): Operation {
    if (!Array.isArray(vector)) throw errors.validation('vector: expected a list of vector names');
    for (const name of vector) if (!this.specs.has(name)) throw errors.vectorNameNotFound(name);
    return { type: 'delete_vectors', ids: this.select(selector, true), names: vector };
  }

  setPayload(body: Selector & { payload: Schemas['Payload']; key?: string | null }, overwrite: boolean): Operation {
    const payload = parsePayload(body.payload, 'payload');
    if (payload === null) throw errors.validation('payload: expected an object');
    // Key paths are parsed now: a path the payload storage would reject must fail before the op is logged.
    if (body.key !== undefined && body.key !== null) {
      if (typeof body.key !== 'string') throw errors.validation('key: expected a payload key path');
      parseJsonPath(body.key);
    }
    const ids = this.select(body, true);
    if (overwrite) return { type: 'overwrite_payload', ids, payload };
    return body.key === undefined || body.key === null ? { type: 'set_payload', ids, payload } : { type: 'set_payload', ids, payload, key: body.key };
  }

  deletePayload(body: Selector & { keys: string[] }): Operation {
    if (!Array.isArray(body.keys) || !body.keys.every((k) => typeof k === 'string')) throw errors.validation('keys: expected a list of payload keys');
    for (const key of body.keys) parseJsonPath(key);
    return { type: 'delete_payload', ids: this.select(body, true), keys: body.keys };
  }

  clearPayload(selector: Selector): Operation {
    return { type: 'clear_payload', ids: this.select(selector, true) };
  }

  /** One entry of batchUpdate's `operations`. */
  batchEntry(entry: Schemas['UpdateOperation']): Operation {
    if ('upsert' in entry) return this.upsert(entry.upsert);
    if ('delete' in entry) return this.deletePoints(entry.delete as Selector);
    if ('set_payload' in entry) return this.setPayload(entry.set_payload as never, false);
    if ('overwrite_payload' in entry) return this.setPayload(entry.overwrite_payload as never, true);
    if ('delete_payload' in entry) return this.deletePayload(entry.delete_payload as never);
    if ('clear_payload' in entry) return this.clearPayload(entry.clear_payload as Selector);
    if ('update_vectors' in entry) return this.updateVectors(entry.update_vectors.points, entry.update_vectors.update_filter as Schemas['Filter'] | null);
    if ('delete_vectors' in entry) return this.deleteVectors(entry.delete_vectors as Selector, entry.delete_vectors.vector);
    throw errors.validation('operations: unknown update operation');
  }

  /** Ids a selector picks. Listed ids must exist when `mustExist` (payload and vector ops); filters match live points only. */
  private select(selector: Selector, mustExist: boolean): PointKey[] {
    if (Array.isArray(selector.points)) {
      const ids = selector.points.map(parsePointId);
      if (mustExist) for (const id of ids) this.mustExist(id);
      return ids;
    }
    if (selector.filter !== undefined && selector.filter !== null) {
      this.guard.filter(selector.filter);
      const keys = matchingIds(this.segment, bindFilter(this.segment, selector.filter)).map((id) => this.segment.ids.externalOf(id));
      return keys.filter((k) => !this.removed.has(k));
    }
    throw errors.validation('expected `points` or `filter`');
  }

  private updateFilter(raw: unknown): BoundFilter | undefined {
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw !== 'object' || Array.isArray(raw)) throw errors.validation('update_filter: expected a filter');
    return bindFilter(this.segment, raw as Schemas['Filter']);
  }

  /** The live internal id of `key`, `'batch'` if only an earlier op of this batch creates it, undefined if absent. */
  private existing(key: PointKey): number | 'batch' | undefined {
    if (this.removed.has(key)) return undefined;
    const id = this.segment.ids.internalOf(key);
    if (id !== undefined) return id;
    return this.created.has(key) ? 'batch' : undefined;
  }

  private mustExist(id: PointKey): void {
    if (this.removed.has(id) || (!this.created.has(id) && this.segment.ids.internalOf(id) === undefined)) throw errors.pointNotFound(id);
  }
}
