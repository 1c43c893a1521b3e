import type { InjectOptions } from 'fastify';
import { isReadOperation } from '../../src/rest/auth.js';
import type { Operation } from '../../src/rest/spec/load-spec.js';
import { specValidator } from '../../src/rest/validation/ajv-instance.js';
import { deepFilterJson, deepJson, hostileValue, mutate, Rng, sampleSchema, withInvalidUtf8, withRawToken } from './hostile-values.js';
import { PROTECTED, SCRATCH } from './seeded-data.js';

/** One fuzzed request, and what the suite may expect of its answer. */
export interface FuzzRequest {
  request: InjectOptions;
  /** Short description for failure messages. */
  label: string;
  /** Whether the request may change a protected collection if the server accepts it (it never does). */
  targetsProtected: boolean;
}

const HOSTILE_SEGMENTS = [
  '..', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '..%2F..%2Fetc%2Fpasswd', '%00', 'a'.repeat(300), '%F0%9F%92%A5', '%ff%fe',
  'docs%2Fwal', '.hidden', 'CON', '-1', '18446744073709551616', 'NaN', '__proto__', 'missing',
];

const HOSTILE_QUERIES = [
  'wait=maybe', 'wait=true&wait=false', 'timeout=-1', 'timeout=1e400', 'timeout=99999999999999999999', 'consistency=bogus',
  'ordering=fast', 'limit=-5', 'checksum=%00', 'wait=', 'timeout=0', 'priority=high', 'exact=true', 'with=everything',
];

/**
 * A hostile request for `op`. Writes that the schema accepts are aimed at the scratch collection (they may change
 * it legitimately); everything else may hit the protected collections, which therefore must end unchanged.
 */
export function fuzzRequest(rng: Rng, op: Operation): FuzzRequest {
  const style = rng.int(100);
  let payload: string | Buffer | undefined;
  let contentType = 'application/json';
  let parsed: unknown;
  let parseable = true;
  if (op.multipart) {
    const boundary = rng.pick(['xyz', '', '"quoted"', 'a'.repeat(100)]);
    contentType = rng.chance(0.8) ? `multipart/form-data; boundary=${boundary}` : 'multipart/form-data';
    const file = rng.chance(0.5) ? Buffer.from(JSON.stringify(hostileValue(rng))) : Buffer.from(Array.from({ length: rng.int(2000) }, () => rng.int(256)));
    payload = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="snapshot"; filename="x.snapshot"\r\n\r\n`),
      file,
      Buffer.from(rng.chance(0.7) ? `\r\n--${boundary}--\r\n` : ''),
    ]);
    parseable = false;
  } else if (op.body || rng.chance(0.2)) {
    const sample = sampleSchema(rng, op.body);
    let text: string;
    if (style < 35) parsed = sample;
    else if (style < 65) parsed = mutate(rng, sample);
    else if (style < 72) parsed = hostileValue(rng);
    if (parsed !== undefined) text = JSON.stringify(parsed);
    else if (style < 76) (text = `{"filter":${deepFilterJson(rng.pick([60, 200, 1000, 5000]))}}`), (parseable = false);
    else if (style < 84) (text = withRawToken(rng, JSON.stringify(sample))), (parseable = false);
    else if (style < 89) (payload = withInvalidUtf8(rng, JSON.stringify(sample))), (parseable = false), (text = '');
    else if (style < 93) (text = deepJson(rng.pick([1000, 100_000]), rng.chance(0.5) ? 'array' : 'object')), (parseable = false);
    else if (style < 96) (text = JSON.stringify(sample).slice(0, rng.int(40))), (parseable = false);
    else {
      text = JSON.stringify(sample);
      contentType = rng.pick(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/xml']);
      parseable = false;
    }
    payload ??= text;
  }

  const protectedName = rng.pick(PROTECTED);
  let collection: string = rng.chance(0.75) ? protectedName : rng.chance(0.5) ? SCRATCH : rng.pick(HOSTILE_SEGMENTS);
  const isWrite = !isReadOperation(op.method, op.id);
  if (isWrite && (PROTECTED as readonly string[]).includes(collection) && mayBeValid(op, parseable ? parsed : payload, !parseable)) collection = SCRATCH;
  // A wrong content type is read as JSON by Qdrant's curl-friendly parser; aim those at scratch too.
  if (isWrite && contentType !== 'application/json' && !op.multipart) collection = SCRATCH;

  const url = op.path.replace(/\{([a-z_]+)\}/g, (_whole, name: string) => {
    if (name === 'collection_name') return encodeURIComponent(collection).replaceAll('%25', '%');
    if (name === 'shard_id') return rng.pick(['0', '0', '1', '-1', 'abc', '99999999999999999999']);
    if (name === 'id') return rng.pick(['0', '3', '6ba7b810-9dad-11d1-80b4-000000000000', '6BA7B8109DAD11D180B4000000000000', '-1', '1.5', 'abc', '18446744073709551616']);
    return rng.chance(0.5) ? rng.pick(['n', 'tag', 'a', 'x.snapshot', 'full-snapshot-0.snapshot']) : rng.pick(HOSTILE_SEGMENTS);
  });
  const query = rng.chance(0.25) ? `?${rng.pick(HOSTILE_QUERIES)}` : rng.chance(0.3) ? '?wait=true' : '';
  const headers: Record<string, string> = payload === undefined ? {} : { 'content-type': contentType };
  const request: InjectOptions = { method: op.method, url: url + query, headers, ...(payload === undefined ? {} : { payload }) };
  return {
    request,
    label: `${op.id} ${op.method} ${url + query} [${contentType}] ${payload === undefined ? '' : String(payload).slice(0, 200)}`,
    targetsProtected: (PROTECTED as readonly string[]).includes(collection),
  };
}

/**
 * True unless the body surely fails Qdrant's parser (then it is safe to aim at protected data): text that is not
 * JSON, a number JSON cannot hold finitely (Qdrant's serde refuses `1e400`), or a value outside the schema.
 */
function mayBeValid(op: Operation, body: unknown, raw: boolean): boolean {
  let value = body;
  if (raw && (typeof body === 'string' || Buffer.isBuffer(body))) {
    try {
      value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(typeof body === 'string' ? Buffer.from(body) : body));
    } catch {
      return false;
    }
    if (!parsesInQdrant(value)) return false;
  }
  if (!op.body) return true;
  return specValidator(op.body)(value ?? {}) === true;
}

/** Finite numbers only, nesting within serde_json's 127 levels; walked with a stack, since the input may be deep. */
function parsesInQdrant(root: unknown): boolean {
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'number' && !Number.isFinite(value)) return false;
    if (value === null || typeof value !== 'object') continue;
    if (depth + 1 > 127) return false;
    for (const item of Object.values(value)) stack.push([item, depth + 1]);
  }
  return true;
}
