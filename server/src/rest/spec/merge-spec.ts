import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Regenerates `qdrant-openapi.json`, the API description this server validates requests against and publishes at
 * `GET /openapi.json`: Qdrant's v1.19 spec plus the eight legacy operations (search, recommend, discover and their
 * batch/groups forms) that v1.19 dropped from the spec but still serves, with the component schemas only v1.18 has.
 *
 *   node server/dist/rest/spec/merge-spec.js <openapi-v1.19.json> <openapi-v1.18.json> <out.json>
 */
interface Spec {
  info: Record<string, unknown>;
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown> };
  [key: string]: unknown;
}

export function mergeSpecs(current: Spec, legacy: Spec): Spec {
  const merged: Spec = structuredClone(current);
  for (const [path, ops] of Object.entries(legacy.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (merged.paths[path]?.[method] !== undefined) continue;
      merged.paths[path] = { ...merged.paths[path], [method]: op };
    }
  }
  for (const [name, schema] of Object.entries(legacy.components.schemas)) {
    merged.components.schemas[name] ??= schema;
  }
  merged.info = { ...merged.info, title: 'Sextant (Qdrant-compatible REST API)' };
  return merged;
}

if (process.argv[1]?.endsWith('merge-spec.js') && process.argv.length === 5) {
  const [current, legacy, out] = process.argv.slice(2) as [string, string, string];
  const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Spec;
  writeFileSync(out, JSON.stringify(mergeSpecs(read(current), read(legacy))));
}
