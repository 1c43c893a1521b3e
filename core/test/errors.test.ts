import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, SextantError, errors } from '@sextant/core';

describe('error catalogue', () => {
  it('documents every code with a status and a sentence', () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      expect(entry.doc.length, code).toBeGreaterThan(20);
      expect([400, 403, 404, 409, 422, 429, 500, 501, 503, 507]).toContain(entry.status);
    }
  });

  it('round-trips through JSON as the same class', () => {
    const error = errors.collectionNotFound('docs');
    const back = SextantError.fromJSON(JSON.parse(JSON.stringify(error.toJSON())));
    expect(back).toBeInstanceOf(SextantError);
    expect(back.status).toBe(404);
    expect(back.message).toBe("Not found: Collection `docs` doesn't exist!");
  });
});
