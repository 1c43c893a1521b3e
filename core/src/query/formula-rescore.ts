import { payloadValuesAt, formulaScorer } from './advanced/formula-eval.js';
import type { ParsedFormula } from './advanced/formula-parse.js';
import { byScoreDescThenId } from './advanced/scored.js';
import { bindFilter } from './point-filter.js';
import type { QueryContext } from './query-context.js';
import type { Hit } from './run-plan.js';

/**
 * `formula`: scores every point any prefetch returned (the union), reading `$score[i]` from prefetch `i`'s list,
 * payload variables from the stored payload and conditions through compiled filters; best `limit` first, ties by
 * id. Scores are "higher is better"; `score_threshold` is a lower bound.
 */
export function formulaRescore(ctx: QueryContext, parsed: ParsedFormula, sources: Hit[][], limit: number, threshold: number | undefined): Hit[] {
  const segment = ctx.segment;
  const scoreMaps = sources.map((list) => {
    const m = new Map<number, number>();
    for (const hit of list) if (!m.has(hit.id)) m.set(hit.id, hit.score);
    return m;
  });
  const conditions = parsed.conditions.map((c) => bindFilter(segment, { must: [c] })!);
  const score = formulaScorer<number>(parsed, {
    prefetchScore: (index, id) => scoreMaps[index]?.get(id),
    payloadValues: (key, id) => indexedOnly(segment.indexes.get(key)?.type, payloadValuesAt(segment.payloads.get(id) as Record<string, unknown> | undefined, key)),
    condition: (index, id) => conditions[index]!.matches(id),
  });
  const out: Hit[] = [];
  const seen = new Set<number>();
  for (const list of sources) {
    for (const hit of list) {
      if (seen.has(hit.id) || !segment.ids.isLive(hit.id)) continue;
      seen.add(hit.id);
      const s = score(hit.id);
      if (threshold === undefined || s >= threshold) out.push({ id: hit.id, score: s });
    }
  }
  return out.sort(byScoreDescThenId).slice(0, limit);
}

/**
 * Qdrant reads a formula variable from the key's payload index when there is one (any but a text index), and an
 * index holds only values of its type: a null or a string under a float index is no value, so the formula's default
 * applies instead of a type error. Reading the payload and keeping what the index would hold gives the same values.
 */
function indexedOnly(type: string | undefined, values: unknown[]): unknown[] {
  if (type === undefined || type === 'text') return values;
  const keep = (v: unknown): boolean => {
    switch (type) {
      case 'integer': return typeof v === 'number' && Number.isInteger(v);
      case 'float': return typeof v === 'number';
      case 'bool': return typeof v === 'boolean';
      case 'geo': return v !== null && typeof v === 'object' && !Array.isArray(v);
      default: return typeof v === 'string'; // keyword, uuid, datetime
    }
  };
  return values.flatMap((v) => (Array.isArray(v) ? v : [v])).filter(keep);
}
