import type { Schemas } from '../client/sextant-client.js';
import type { Collection } from '../collection/collection.js';
import type { VectorSpec } from '../collection/config.js';
import { isVectorParams } from '../collection/config.js';
import type { LocalSegment } from '../collection/local-segment.js';
import type { PayloadObject } from '../collection/operations.js';
import { errors } from '../client/errors.js';
import type { NearestResult } from './nearest.js';
import { type PayloadSelector, type VectorSelector, payloadSelector, vectorSelector } from './selectors.js';
import { float32Decimal } from './float32-json.js';

/** What every read of one collection needs: the segment, vector specs by name, and how to shape points out. */
export interface QueryContext {
  segment: LocalSegment;
  specs: Map<string, VectorSpec>;
  /** The collection has just the unnamed vector: vectors come out bare, not in an object by name. */
  unnamedOnly: boolean;
  /** Another collection of the same database (aliases resolved), for `lookup_from` and `with_lookup`; 404 if none. */
  lookup: (name: string) => QueryContext;
  /** Answers of plan leaves already walked on a search thread (executor/offload-query.ts), used instead of walking. */
  presearched?: ReadonlyMap<object, NearestResult>;
}

/** `resolve` finds other collections by name or alias; without it only the collection itself can be looked up. */
export function queryContext(collection: Collection, resolve?: (name: string) => Collection): QueryContext {
  const vectors = collection.config.params.vectors;
  const sparse = collection.config.params.sparse_vectors ?? {};
  const ctx: QueryContext = {
    segment: collection.segment,
    specs: new Map(collection.specs.map((s) => [s.name, s])),
    unnamedOnly: isVectorParams(vectors) && Object.keys(sparse).length === 0,
    lookup: (name) => {
      if (resolve !== undefined) {
        const other = resolve(name);
        return other === collection ? ctx : queryContext(other, resolve);
      }
      if (name !== collection.name) throw errors.collectionNotFound(name);
      return ctx;
    },
  };
  return ctx;
}

export interface PointShaper {
  payload: PayloadSelector;
  vector: VectorSelector;
}

export function shaper(
  ctx: QueryContext,
  withPayload: unknown,
  withVector: unknown,
  payloadByDefault: boolean,
): PointShaper {
  return { payload: payloadSelector(withPayload, payloadByDefault), vector: vectorSelector(ctx.segment, ctx.unnamedOnly, withVector) };
}

export function toRecord(ctx: QueryContext, id: number, shape: PointShaper): Schemas['Record'] {
  return {
    id: ctx.segment.ids.externalOf(id),
    payload: shape.payload(ctx.segment.payloads.get(id) as PayloadObject | undefined),
    vector: shape.vector(id),
  };
}

export function toScoredPoint(ctx: QueryContext, id: number, score: number, shape: PointShaper): Schemas['ScoredPoint'] {
  return {
    id: ctx.segment.ids.externalOf(id),
    version: ctx.segment.ids.version(id),
    // Qdrant's scores are float32 and print as their shortest decimal (a Dot score 1.362, not 1.3619999885559082):
    // the same float32, as the number that prints so (gRPC sends the same float32 either way).
    score: float32Decimal(Math.fround(score)),
    payload: shape.payload(ctx.segment.payloads.get(id) as PayloadObject | undefined),
    vector: shape.vector(id),
  };
}

/** `limit` / `offset` checks with Qdrant's wording; returns the values with defaults applied. */
export function pageArgs(limit: unknown, offset: unknown, defaultLimit = 10, minLimit = 1): { limit: number; offset: number } {
  const l = limit ?? defaultLimit;
  const o = offset ?? 0;
  if (typeof l !== 'number' || !Number.isInteger(l) || l < minLimit) {
    throw errors.validation(`limit: value ${String(l)} invalid, must be ${minLimit} or more`);
  }
  if (typeof o !== 'number' || !Number.isInteger(o) || o < 0) throw errors.validation(`offset: value ${String(o)} invalid, must be 0 or more`);
  return { limit: l, offset: o };
}
