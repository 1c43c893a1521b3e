import { SextantError } from '@sextant/core';
import type { Operation, SchemaObject } from './spec/load-spec.js';
import { bodyError } from './validation/body-errors.js';
import { specValidator } from './validation/ajv-instance.js';

/**
 * Query parameters arrive as strings; Qdrant parses them to the types of its spec (`wait=true`, `timeout=10`,
 * `consistency=2` or `consistency=majority`). Unknown parameters are ignored, as Qdrant does.
 */
const schemas = new WeakMap<Operation, SchemaObject>();

export function parseQuery(op: Operation, raw: Record<string, unknown>): Record<string, unknown> {
  if (op.query.size === 0) return {};
  const parsed: Record<string, unknown> = {};
  let given = false;
  for (const [name, schema] of op.query) {
    const value = raw[name];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new SextantError('bad_request', `Query deserialize error: parameter \`${name}\` given more than once`);
    parsed[name] = coerce(value, schema);
    given = true;
  }
  // No parameter given: `{}` passes a schema of optional properties, so the validator need not run.
  if (!given) return parsed;
  let schema = schemas.get(op);
  if (!schema) schemas.set(op, (schema = { type: 'object', properties: Object.fromEntries(op.query) }));
  const validate = specValidator(schema);
  if (!validate(parsed)) throw bodyError(validate.errors ?? [], 'query parameters');
  return parsed;
}

function coerce(value: string, schema: SchemaObject): unknown {
  if (schema['type'] === 'string') return value;
  if (schema['type'] === 'boolean') return value === 'true' ? true : value === 'false' ? false : value;
  if (/^-?\d+$/.test(value)) return Number(value);
  return value;
}
