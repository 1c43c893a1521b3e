import type { Schemas } from '@sextant/core';

/** What the filter controls currently say; empty fields mean "no constraint". */
export interface FilterState {
  category: string;
  yearFrom: number | null;
  yearTo: number | null;
  onlyMine: boolean;
}

/**
 * The Qdrant filter for the controls: `must` of a keyword match on `category`, an integer range on `year` and a
 * match on `source`; undefined when nothing is selected, so the query takes the unfiltered path.
 */
export function buildFilter(state: FilterState): Schemas['Filter'] | undefined {
  const must: Schemas['Condition'][] = [];
  if (state.category) must.push({ key: 'category', match: { value: state.category } });
  if (state.yearFrom !== null || state.yearTo !== null) {
    const range: Schemas['Range'] = {};
    if (state.yearFrom !== null) range.gte = state.yearFrom;
    if (state.yearTo !== null) range.lte = state.yearTo;
    must.push({ key: 'year', range });
  }
  if (state.onlyMine) must.push({ key: 'source', match: { value: 'user' } });
  return must.length > 0 ? { must } : undefined;
}

/** Reads a year box: blank or not a whole number is "no bound". */
export function parseYear(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d{1,4}$/.test(trimmed)) return null;
  return Number(trimmed);
}
