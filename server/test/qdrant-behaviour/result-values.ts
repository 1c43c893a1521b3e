// Small readers for answers, shared by the qdrant-behaviour suites.

export const ids = (points: Array<{ id: unknown }>) => points.map((p) => p.id);

/**
 * Vectors (plain, multi or named objects of them) as float32 values. Qdrant prints a stored float32 as its shortest
 * decimal (0.8), a widened one reads 0.800000011920929; compared as float32 the two are the same stored value.
 */
export function asF32(value: unknown): unknown {
  if (typeof value === 'number') return Math.fround(value);
  if (Array.isArray(value)) return value.map(asF32);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asF32(v)]));
  return value;
}
