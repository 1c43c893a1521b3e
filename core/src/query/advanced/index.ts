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
