import { describe, expect, it } from 'vitest';
import { buildFilter, parseYear } from '../src/ui/filters.js';

describe('filters built from the controls', () => {
  it('is no filter when nothing is selected', () => {
    expect(buildFilter({ category: '', yearFrom: null, yearTo: null, onlyMine: false })).toBeUndefined();
  });

  it('combines category, year range and source with must', () => {
    expect(buildFilter({ category: 'music', yearFrom: 2010, yearTo: null, onlyMine: true })).toEqual({
      must: [
        { key: 'category', match: { value: 'music' } },
        { key: 'year', range: { gte: 2010 } },
        { key: 'source', match: { value: 'user' } },
      ],
    });
    expect(buildFilter({ category: '', yearFrom: 2001, yearTo: 2003, onlyMine: false })).toEqual({
      must: [{ key: 'year', range: { gte: 2001, lte: 2003 } }],
    });
  });

  it('reads only whole years', () => {
    expect(parseYear(' 2019 ')).toBe(2019);
    expect(parseYear('')).toBeNull();
    expect(parseYear('20x9')).toBeNull();
    expect(parseYear('-5')).toBeNull();
  });
});
