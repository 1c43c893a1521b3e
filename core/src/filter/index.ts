export type { PointAccess, CardinalityEstimate } from './point-access.js';
export { parseFilter } from './parse-filter.js';
export { compileFilter } from './compile-filter.js';
export { planFilter } from './plan-filter.js';
export { parseDatetimeMicros } from './datetime.js';
