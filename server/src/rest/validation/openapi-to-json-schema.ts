import type { SchemaObject } from '../spec/load-spec.js';

/**
 * Rewrites an OpenAPI 3.0 schema into the JSON Schema dialect Ajv checks, keeping what Qdrant's serde would accept:
 * - `nullable: true` beside a `type` adds `null` to the type; a bare `{nullable: true}` (how Qdrant's spec spells
 *   the second arm of `anyOf: [X, null]`) becomes `{type: 'null'}`;
 * - `oneOf` becomes `anyOf`: Qdrant's untagged enums take the first arm that parses, so an input matching two arms
 *   (an empty object, a point id that is also a number) is valid there and must be valid here;
 * - `$ref` and everything else pass through; the caller registers the result under an `$id` so refs resolve.
 */
export function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const source = node as SchemaObject;
  const out: SchemaObject = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === 'nullable' || key === 'example' || key === 'examples') continue;
    if (key === 'oneOf') out['anyOf'] = toJsonSchema(value);
    else if (key === 'properties' || key === 'schemas') out[key] = mapValues(value as SchemaObject);
    else out[key] = toJsonSchema(value);
  }
  if (source['nullable'] === true) {
    const type = out['type'];
    if (typeof type === 'string') out['type'] = [type, 'null'];
    else if (type === undefined && out['anyOf'] === undefined && out['$ref'] === undefined) out['type'] = 'null';
    if (Array.isArray(out['enum'])) out['enum'] = [...(out['enum'] as unknown[]), null];
  }
  return out;
}

function mapValues(record: SchemaObject): SchemaObject {
  const out: SchemaObject = {};
  for (const [key, value] of Object.entries(record)) out[key] = toJsonSchema(value);
  return out;
}
