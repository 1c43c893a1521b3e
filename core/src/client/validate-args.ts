import { SextantError, errors } from './errors.js';
import type { Schemas } from './sextant-client.js';
import { PayloadIndexSet } from '../index/payload/payload-index-set.js';
import { unsupportedStopwordLanguages } from '../index/payload/stopwords.js';
import { checkSettingNumbers } from '../collection/config.js';
import type { PointAccess } from '../filter/point-access.js';

const NO_POINTS: PointAccess = {
  capacity: 0,
  isLive: () => false,
  payload: () => undefined,
  externalId: () => 0,
  internalId: () => undefined,
  hasVector: () => false,
};

/** Qdrant's collection name rules: 1..255 characters, none of the characters that are unsafe in a file name. */
export function checkCollectionName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 255) {
    throw errors.validation(`collection_name: value ${JSON.stringify(name)} invalid, length must be from 1 to 255`);
  }
  // Control characters too, as the REST layer refuses them in a collection's URL (path-params.ts).
  const bad = /[<>:"/\\|?*\u0000-\u001f\u007f]/u.exec(name);
  if (bad !== null) {
    throw errors.validation(`collection_name: value ${name} invalid, collection name cannot contain "${bad[0]}" char`);
  }
}

/**
 * A payload index request, checked by building the index over no points: whatever the index set would reject at
 * apply time (unknown type, bad params, bad key path) is rejected here, before the op is logged. An op that failed
 * only at apply time would sit in the log and fail again at every replay.
 */
export function checkIndexRequest(field: unknown, schema: unknown): asserts field is string {
  if (typeof field !== 'string' || field === '') throw errors.validation('field_name: expected a payload key');
  if (schema === undefined || schema === null) throw errors.validation('field_schema: required');
  // A setting that JSON cannot carry exactly would be stored rounded and then fail to serialize on every read.
  checkSettingNumbers(schema, 'field_schema');
  // Checked here, not in the index: an index already logged with such a setting must still open.
  const missing = unsupportedStopwordLanguages((schema as { stopwords?: unknown }).stopwords);
  if (missing.length > 0) {
    throw errors.badRequest(`stopwords language ${missing.join(', ')} is not available in Sextant (english is); list the words in \`custom\` instead`);
  }
  new PayloadIndexSet().create(field, schema as Schemas['PayloadFieldSchema'], NO_POINTS);
}

export function notSupportedYet(what: string): SextantError {
  return errors.badRequest(`${what} is not supported yet by Sextant`);
}
