/**
 * The pure building blocks of Qdrant's Query API (v1.19 semantics). Nothing here touches a collection: each block
 * takes scored candidates, vectors in an arena, or payload accessors, so the executor wires them in a few lines.
 *
 * How the executor calls them:
 * - Fusion (`{fusion: 'rrf' | 'dbsf'}`, `{rrf: {k, weights}}`): run the prefetches, then
 *   `fusePrefetches(query, listsInPrefetchOrder, score_threshold)`, then apply `offset` and `limit`.
 *   Lower level: `rrf(lists, {k, weights})` (default k = DEFAULT_RRF_K = 2), `dbsf(lists)`.
 * - `relevance_feedback` (naive): `createExampleScorer({kind: 'relevance_feedback', target, feedback, strategy})`.
 * - Recommend `average_vector`: `averageVector(pos, neg)` (or `averageSparseVector` / `averageMultiVector`),
 *   then search it as a plain nearest query. `best_score` / `sum_scores`, discover and context:
 *   `createExampleScorer({kind, ...examples}, dim, rawSimilarity(distance))` gives `(arena, offset) => score`
 *   (higher is better, no post-processing); use it in a full scan or a graph walk. The pure formulas
 *   `bestScore`, `sumScores`, `discoverScore`, `contextScore` take precomputed raw similarities.
 * - Formula: `parsed = parseFormula({formula, defaults})` once (throws Qdrant's 400s), compile
 *   `parsed.conditions[i]` into matchers, then `formulaScorer(parsed, {prefetchScore, payloadValues, condition})`
 *   scores each candidate (union of the prefetch results); sort descending. `payloadValuesAt(payload, key)`
 *   implements `payloadValues` from a stored payload.
 * - MMR (`nearest` + `mmr`): search `mmrCandidatesLimit(mmr, limit)` candidates with their vectors, dedupe, then
 *   `mmrSelectDense(query, arena, offsets, dim, rawSimilarity(distance), mmrLambda(mmr.diversity), limit)` gives
 *   indices in selection order; return those candidates with their ORIGINAL scores, not re-sorted.
 * - `sample: random`: `sampleFrom(matchingInternalIds, limit)` (or `sampleIndices`); results are not sorted.
 * - Groups: feed best-first hits to `groupHits(hits, {groupSize, limit, keyValues})` (defaults
 *   DEFAULT_GROUP_SIZE / DEFAULT_GROUPS_LIMIT), then `toGroupsResult(groups, toScoredPoint, lookup)`; lookups
 *   use `groupIdToPointId(groupId)`.
 * - Distance matrix: sample with `sampleIndices`, `sortSampleIds`, search `limit + 1` neighbours among the
 *   sample, `dropSelf`, then `matrixPairs` or `matrixOffsets`.
 * Tie order: fusion output is best first with ties by ascending point id (`byScoreDescThenId`), where Qdrant's
 * own order is arbitrary.
 */
export { comparePointIds, byScoreDescThenId, type Scored } from './scored.js';
export { rrf, positionScore, DEFAULT_RRF_K, type RrfParams } from './rrf.js';
export { dbsf, distributionNormalize } from './dbsf.js';
export { rawSimilarity, postprocessSimilarity } from './raw-similarity.js';
export {
  bestScore,
  sumScores,
  averageVector,
  averageSparseVector,
  averageMultiVector,
  fastSigmoid,
  scaledFastSigmoid,
  type SparseVectorInput,
} from './recommend.js';
export { discoverScore, contextScore } from './discover.js';
export { feedbackPairs, feedbackScore, MAX_FEEDBACK_PAIRS, type FeedbackPair } from './relevance-feedback.js';
export { createExampleScorer, type ExampleScorer, type ExampleQuery, type ExamplePair } from './example-scorer.js';
export { parseFormula, decayLambda, type ParsedFormula, type FormulaNode, type DecayKind } from './formula-parse.js';
export {
  formulaScorer,
  payloadValuesAt,
  haversineMeters,
  rustFloat,
  type FormulaInputs,
  type FormulaScorer,
} from './formula-eval.js';
export { mmrSelect, mmrSelectDense, mmrLambda, mmrCandidatesLimit } from './mmr.js';
export { sampleIndices, sampleFrom, seededRandom, type RandomSource } from './sample-random.js';
export {
  groupHits,
  groupIdToPointId,
  toGroupsResult,
  DEFAULT_GROUP_SIZE,
  DEFAULT_GROUPS_LIMIT,
  type GroupId,
  type GroupHitsOptions,
  type HitGroup,
} from './groups.js';
export {
  sortSampleIds,
  dropSelf,
  matrixPairs,
  matrixOffsets,
  DEFAULT_MATRIX_SAMPLE,
  DEFAULT_MATRIX_LIMIT,
} from './search-matrix.js';
export { fusePrefetches, isFusionQuery, type FusionQueryInput } from './fusion-query.js';
