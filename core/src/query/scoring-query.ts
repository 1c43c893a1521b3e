import type { Schemas } from '../client/sextant-client.js';
import { SextantError, errors } from '../client/errors.js';
import { checkVector } from '../collection/vector-input.js';
import type { SparseValue, VectorValue } from '../collection/operations.js';
import { parsePointId } from '../segment/id-tracker.js';
import { averageMultiVector, averageSparseVector, averageVector } from './advanced/recommend.js';
import { mmrLambda } from './advanced/mmr.js';
import { isFusionQuery, type FusionQueryInput } from './advanced/fusion-query.js';
import { parseFormula, type ParsedFormula } from './advanced/formula-parse.js';
import type { QueryContext } from './query-context.js';

/**
 * A `query` of the Query API with every example resolved to a vector (Qdrant's `ScoringQuery`): point ids are
 * looked up (in `lookup_from` when given), raw vectors checked against the `using` spec, and `average_vector`
 * recommendations already averaged into a plain nearest query. Vectors are in API form (not normalised): each
 * scorer prepares them for its storage.
 */
export type ScoringQuery =
  | { kind: 'nearest'; using: string; vector: VectorValue; mmr?: { lambda: number; candidatesLimit: number } }
  | { kind: 'best_score' | 'sum_scores'; using: string; positive: VectorValue[]; negative: VectorValue[] }
  | { kind: 'discover'; using: string; target: VectorValue; context: ContextPairValue[] }
  | { kind: 'context'; using: string; context: ContextPairValue[] }
  | {
      kind: 'relevance_feedback';
      using: string;
      target: VectorValue;
      feedback: { example: VectorValue; score: number }[];
      strategy: { a: number; b: number; c: number };
    }
  | { kind: 'fusion'; fusion: FusionQueryInput }
  | { kind: 'order_by'; orderBy: Schemas['OrderBy'] }
  | { kind: 'formula'; parsed: ParsedFormula }
  | { kind: 'sample' };

export interface ContextPairValue {
  positive: VectorValue;
  negative: VectorValue;
}

/** Where id examples are read from: the queried collection, or `lookup_from`'s, under a vector name. */
interface ExampleSource {
  ctx: QueryContext;
  vectorName: string;
  /** Ids resolved here belong to the queried collection, so they are kept out of the results. */
  local: boolean;
}

/**
 * Resolves one level's `query`. `referenced` collects the internal ids of the queried collection that were used
 * as examples: Qdrant keeps them out of the results of the whole request.
 */
export function resolveQuery(
  ctx: QueryContext,
  raw: unknown,
  using: string,
  lookupFrom: Schemas['LookupLocation'] | null | undefined,
  limit: number,
  referenced: Set<number>,
): ScoringQuery | undefined {
  if (raw === undefined || raw === null) return undefined;
  const source = exampleSource(ctx, using, lookupFrom);
  const example = (input: unknown, what: string): VectorValue => resolveExample(ctx, source, using, input, what, referenced);
  if (typeof raw === 'number' || typeof raw === 'string' || Array.isArray(raw)) {
    return { kind: 'nearest', using, vector: example(raw, 'query') };
  }
  if (typeof raw !== 'object') throw errors.validation('query: expected a vector, a point id or a query object');
  const q = raw as Record<string, unknown>;
  if (isFusionQuery(q)) {
    if (using !== '') throw errors.badRequest("Fusion queries cannot be combined with the 'using' field.");
    if ('rrf' in q) {
      const rrf = (q.rrf ?? {}) as { k?: unknown; weights?: unknown };
      if (rrf.k !== undefined && rrf.k !== null && (typeof rrf.k !== 'number' || !Number.isInteger(rrf.k) || rrf.k < 1)) {
        throw errors.validation(`query.rrf.k: value ${String(rrf.k)} invalid, must be 1 or more`);
      }
    } else if (q.fusion !== 'rrf' && q.fusion !== 'dbsf') throw errors.validation('query.fusion: expected rrf or dbsf');
    return { kind: 'fusion', fusion: q as FusionQueryInput };
  }
  if ('nearest' in q) {
    const vector = example(q.nearest, 'query.nearest');
    const mmr = q.mmr as Schemas['Mmr'] | null | undefined;
    if (mmr === undefined || mmr === null) return { kind: 'nearest', using, vector };
    const diversity = mmr.diversity;
    if (diversity !== undefined && diversity !== null && !(diversity >= 0 && diversity <= 1)) {
      throw errors.validation(`query.mmr.diversity: value ${diversity} invalid, must be from 0 to 1`);
    }
    const candidatesLimit = mmr.candidates_limit ?? limit;
    if (!Number.isInteger(candidatesLimit) || candidatesLimit < 0) throw errors.validation('query.mmr.candidates_limit: expected an unsigned integer');
    return { kind: 'nearest', using, vector, mmr: { lambda: mmrLambda(diversity), candidatesLimit } };
  }
  if ('recommend' in q) return recommendQuery(ctx, using, q.recommend as Schemas['RecommendInput'], example);
  if ('discover' in q) {
    const d = q.discover as Schemas['DiscoverInput'];
    if (d === null || typeof d !== 'object') throw errors.validation('query.discover: expected {target, context}');
    return { kind: 'discover', using, target: example(d.target, 'query.discover.target'), context: contextPairs(d.context, example) };
  }
  if ('context' in q) return { kind: 'context', using, context: contextPairs(q.context as Schemas['ContextInput'], example) };
  if ('order_by' in q) return { kind: 'order_by', orderBy: orderByOf(q.order_by) };
  if ('formula' in q) return { kind: 'formula', parsed: parseFormula(q as { formula: Schemas['Expression']; defaults?: Record<string, unknown> }) };
  if ('sample' in q) {
    if (q.sample !== 'random') throw errors.validation('query.sample: expected random');
    return { kind: 'sample' };
  }
  if ('relevance_feedback' in q) {
    const f = q.relevance_feedback as Schemas['RelevanceFeedbackInput'];
    const naive = f?.strategy?.naive;
    if (f === null || typeof f !== 'object' || !Array.isArray(f.feedback)) throw errors.validation('query.relevance_feedback: expected {target, feedback, strategy}');
    if (naive === undefined || ![naive.a, naive.b, naive.c].every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw errors.validation('query.relevance_feedback.strategy: expected {naive: {a, b, c}}');
    }
    // Qdrant's validator: at least one feedback element (its message, 422 like any validator failure)
    if (f.feedback.length === 0) throw errors.validation('[query.relevance_feedback.feedback: feedback elements must be non-empty]');
    const feedback = f.feedback.map((item, i) => {
      if (typeof item?.score !== 'number' || !Number.isFinite(item.score)) throw errors.validation(`query.relevance_feedback.feedback[${i}].score: expected a number`);
      return { example: example(item.example, `query.relevance_feedback.feedback[${i}].example`), score: item.score };
    });
    return { kind: 'relevance_feedback', using, target: example(f.target, 'query.relevance_feedback.target'), feedback, strategy: { a: naive.a, b: naive.b, c: naive.c } };
  }
  // A named sparse vector `{indices, values}` is a nearest query too.
  if ('indices' in q && 'values' in q) return { kind: 'nearest', using, vector: example(q, 'query') };
  return { kind: 'nearest', using, vector: example(q, 'query') };
}

function recommendQuery(
  ctx: QueryContext,
  using: string,
  input: Schemas['RecommendInput'],
  example: (input: unknown, what: string) => VectorValue,
): ScoringQuery {
  if (input === null || typeof input !== 'object') throw errors.validation('query.recommend: expected {positive, negative, strategy}');
  const positive = (input.positive ?? []).map((p, i) => example(p, `query.recommend.positive[${i}]`));
  const negative = (input.negative ?? []).map((n, i) => example(n, `query.recommend.negative[${i}]`));
  const strategy = input.strategy ?? 'average_vector';
  if (strategy === 'best_score' || strategy === 'sum_scores') {
    if (positive.length === 0 && negative.length === 0) {
      throw errors.wrongInput('Validation failed: At least one positive or negative vector ID or vector is required');
    }
    return { kind: strategy, using, positive, negative };
  }
  if (strategy !== 'average_vector') throw errors.validation('query.recommend.strategy: expected average_vector, best_score or sum_scores');
  const spec = ctx.specs.get(using);
  if (spec === undefined) throw errors.vectorNameNotFound(using);
  let vector: VectorValue;
  if (spec.kind === 'sparse') vector = averageSparseVector(positive as SparseValue[], negative as SparseValue[]);
  else if (spec.kind === 'multi') vector = averageMultiVector(positive as number[][][], negative as number[][][]);
  else {
    // Qdrant preprocesses examples before averaging: Cosine ones are normalised first. A raw example is read as
    // float32s, as Qdrant parses vectors and as stored examples already are, so a raw vector averages exactly as the
    // id of a point holding it does (a JSON answer prints 0.15 for the float32 nearest 0.15).
    const prep = (v: VectorValue) => (spec.distance === 'Cosine' ? normalized(v as number[]) : Float32Array.from(v as number[]));
    vector = Array.from(averageVector(positive.map(prep), negative.map(prep)));
  }
  return { kind: 'nearest', using, vector };
}

function normalized(v: number[]): number[] {
  const f = Float32Array.from(v);
  let sum = 0;
  for (const x of f) sum += x * x;
  const length = Math.sqrt(sum);
  return length === 0 ? v : Array.from(f, (x) => x / length);
}

function contextPairs(raw: unknown, example: (input: unknown, what: string) => VectorValue): ContextPairValue[] {
  if (raw === undefined || raw === null) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((pair: unknown, i) => {
    if (pair === null || typeof pair !== 'object' || !('positive' in pair) || !('negative' in pair)) {
      throw errors.validation(`context[${i}]: expected {positive, negative}`);
    }
    return { positive: example(pair.positive, `context[${i}].positive`), negative: example(pair.negative, `context[${i}].negative`) };
  });
}

export function orderByOf(raw: unknown): Schemas['OrderBy'] {
  const orderBy = (typeof raw === 'string' ? { key: raw } : raw) as Schemas['OrderBy'];
  if (orderBy === null || typeof orderBy !== 'object' || typeof orderBy.key !== 'string') throw errors.validation('order_by: expected a payload key');
  const direction = orderBy.direction ?? 'asc';
  if (direction !== 'asc' && direction !== 'desc') throw errors.validation('order_by.direction: expected asc or desc');
  return orderBy;
}

function exampleSource(ctx: QueryContext, using: string, lookupFrom: Schemas['LookupLocation'] | null | undefined): ExampleSource {
  if (lookupFrom === undefined || lookupFrom === null) return { ctx, vectorName: using, local: true };
  if (typeof lookupFrom.collection !== 'string') throw errors.validation('lookup_from.collection: expected a collection name');
  const other = lookupCollection(ctx, lookupFrom.collection);
  return { ctx: other, vectorName: lookupFrom.vector ?? using, local: other.segment === ctx.segment };
}

/**
 * `lookup_from`'s collection. Qdrant reports a missing one from the vector lookup, in other words than a missing
 * path collection: "Not found: Collection NAME not found" (no backticks), still 404.
 */
function lookupCollection(ctx: QueryContext, name: string): QueryContext {
  try {
    return ctx.lookup(name);
  } catch (error) {
    if (error instanceof SextantError && error.code === 'collection_not_found') {
      throw new SextantError('collection_not_found', `Not found: Collection ${name} not found`);
    }
    throw error;
  }
}

/**
 * One example: a point id (its stored vector, read from the example source) or a vector, checked against the
 * `using` spec of the queried collection either way (a looked-up vector must fit the vector it is compared with).
 */
function resolveExample(
  ctx: QueryContext,
  source: ExampleSource,
  using: string,
  input: unknown,
  what: string,
  referenced: Set<number>,
): VectorValue {
  if (typeof input === 'number' || typeof input === 'string') {
    const key = parsePointId(input);
    const id = source.ctx.segment.ids.internalOf(key);
    if (id === undefined) throw errors.pointNotFound(input);
    if (source.local) referenced.add(id);
    const stored = source.ctx.segment.readVectors(id)[source.vectorName];
    if (stored === undefined) {
      if (!source.ctx.specs.has(source.vectorName)) throw errors.vectorNameNotFound(source.vectorName);
      throw new SextantError('point_not_found', `Not found: Vector with name ${JSON.stringify(source.vectorName)} for point`);
    }
    return checkVector(ctx.specs, using, stored, what);
  }
  if (input !== null && typeof input === 'object' && !Array.isArray(input) && ('text' in input || 'image' in input || 'object' in input)) {
    throw errors.badRequest('inference (Document, Image, InferenceObject) is not supported by Sextant; send vectors');
  }
  return checkVector(ctx.specs, using, input, what);
}
