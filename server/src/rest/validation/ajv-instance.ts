import { Ajv, type ValidateFunction } from 'ajv';
import { qdrantSpec, type SchemaObject } from '../spec/load-spec.js';
import { toJsonSchema } from './openapi-to-json-schema.js';

/**
 * One Ajv holding Qdrant's component schemas under the id `qdrant`, shared by every app in the process: compiling
 * the large request schemas costs tens of milliseconds each, so validators are compiled on first use and cached.
 */
const SPEC_ID = 'qdrant';

// Formats as Qdrant's parsers accept them: ids may be UUIDs in any case and in simple (32 hex) form; datetimes take
// several layouts (RFC 3339, with or without zone, date only), so they are left to the engine.
const UUID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$/i;
const FORMATS: Record<string, true | RegExp | ((value: string) => boolean)> = {
  uuid: UUID,
  'date-time': true,
  'partial-date-time': true,
  uri: true,
  binary: true,
};

let ajv: Ajv | undefined;
const cache = new WeakMap<object, ValidateFunction>();

function instance(): Ajv {
  if (ajv) return ajv;
  ajv = new Ajv({ strict: false, allErrors: false, verbose: true, validateFormats: true, formats: FORMATS, code: { optimize: 1 } });
  // Number formats are ranges Ajv cannot express through `format`; `minimum` in the spec already covers the sign.
  for (const f of ['float', 'double', 'int64', 'uint', 'uint8', 'uint32', 'uint64']) ajv.addFormat(f, { type: 'number', validate: () => true });
  ajv.addSchema({ $id: SPEC_ID, components: toJsonSchema(qdrantSpec().components) }, SPEC_ID);
  return ajv;
}

/** A validator for a schema fragment of the spec (its `$ref`s point into `#/components/schemas`). */
export function specValidator(schema: SchemaObject): ValidateFunction {
  let validate = cache.get(schema);
  if (!validate) {
    const rooted = JSON.parse(JSON.stringify(toJsonSchema(schema)).replaceAll('"#/components/', `"${SPEC_ID}#/components/`));
    validate = instance().compile(rooted as object);
    cache.set(schema, validate);
  }
  return validate;
}

const byName = new Map<string, SchemaObject>();

/** A validator for the named component schema, e.g. `ScoredPoint`. */
export function componentValidator(name: string): ValidateFunction {
  if (!qdrantSpec().components.schemas[name]) throw new Error(`No schema ${name} in the API description`);
  let ref = byName.get(name);
  if (!ref) byName.set(name, (ref = { $ref: `#/components/schemas/${name}` }));
  return specValidator(ref);
}
