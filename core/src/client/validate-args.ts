import { SextantError, errors } from './errors.js';

const FIELD_TYPES = ['keyword', 'integer', 'float', 'geo', 'text', 'bool', 'datetime', 'uuid'];

/** Qdrant's collection name rules: 1..255 characters, none of the characters that are unsafe in a file name. */
export function checkCollectionName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 255) {
    throw errors.validation(`collection_name: value ${JSON.stringify(name)} invalid, length must be from 1 to 255`);
  }
  const bad = /[<>:"/\\|?*\0]/.exec(name);
  if (bad !== null) {
    throw errors.validation(`collection_name: value ${name} invalid, collection name cannot contain "${bad[0]}" char`);
  }
}

/** `field_schema`: a type name or a params object with `type`. */
export function checkFieldSchema(schema: unknown): void {
  const type = typeof schema === 'string' ? schema : schema !== null && typeof schema === 'object' ? (schema as { type?: unknown }).type : undefined;
  if (typeof type !== 'string' || !FIELD_TYPES.includes(type)) {
    throw errors.validation(`field_schema: expected one of ${FIELD_TYPES.join(', ')} or a params object with \`type\``);
  }
}

export function notSupportedYet(what: string): SextantError {
  return errors.badRequest(`${what} is not supported yet by Sextant`);
}
