import type { ErrorObject } from 'ajv';
import { SextantError } from '@sextant/core';

/**
 * Turns Ajv's findings into the error Qdrant gives for the same body. Qdrant parses with serde first (wrong type,
 * missing field, unknown enum variant: 400 "Format error in JSON body: ...") and then runs its validators on the
 * parsed value (a number below its minimum: 422 "Validation error in JSON body: [...]"). A `minimum: 0` in the spec
 * is the unsigned type itself, so breaking it is a parse error, not a validation one.
 */
export function bodyError(errors: readonly ErrorObject[], where = 'JSON body', validatorPath?: (path: string) => string): SextantError {
  const error = mostSpecific(errors);
  const path = displayPath(error.instancePath);
  const limit = (error.params as { limit?: number }).limit;
  if (isValidatorKeyword(error)) {
    // A float field's bounds print as Rust's serde_json prints an f64: -1.0, 0.0 (an integer field's as integers).
    const float = (error.parentSchema as { type?: unknown } | undefined)?.type === 'number';
    const shown = (v: unknown) => (float && typeof v === 'number' && Number.isInteger(v) ? v.toFixed(1) : String(v));
    const value = float ? shown((error as { data?: unknown }).data) : valueAt(error);
    const message =
      error.keyword === 'minimum'
        ? `value ${value} invalid, must be ${shown(limit)} or larger`
        : error.keyword === 'maximum'
          ? `value ${value} invalid, must be ${shown(limit)} or smaller`
          : (error.message ?? 'invalid');
    const field = validatorPath ? validatorPath(path) : path;
    return new SextantError('validation', `Validation error in ${where}: [${field || 'body'}: ${message}]`);
  }
  return new SextantError('bad_request', `Format error in ${where}: ${path ? `${path}: ` : ''}${describe(error)}`);
}

function isValidatorKeyword(error: ErrorObject): boolean {
  // minimum 0 on an integer is the unsigned type itself (a parse error); on a float it is a validator's range
  if (error.keyword === 'minimum') return (error.params as { limit: number }).limit !== 0 || (error.parentSchema as { type?: unknown } | undefined)?.type === 'number';
  return ['maximum', 'minItems', 'maxItems', 'minLength', 'maxLength'].includes(error.keyword);
}

/**
 * Inside an `anyOf`, Ajv reports every arm's first failure and then the `anyOf` itself. The failure deepest in the
 * input is the one that tells the user what to fix (a bad `points[3].vector`, not "must match a schema in anyOf").
 */
function mostSpecific(errors: readonly ErrorObject[]): ErrorObject {
  let best = errors[0]!;
  for (const error of errors) {
    const deeper = error.instancePath.length > best.instancePath.length;
    const sameButConcrete = error.instancePath.length === best.instancePath.length && best.keyword === 'anyOf' && error.keyword !== 'anyOf';
    if (deeper || sameButConcrete) best = error;
  }
  return best;
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      return `invalid type, expected ${String(params['type']).replace(',null', '')}`;
    case 'required':
      return `missing field \`${String(params['missingProperty'])}\``;
    case 'enum':
      return `unknown variant, expected one of ${(params['allowedValues'] as unknown[]).filter((v) => v !== null).map((v) => `\`${String(v)}\``).join(', ')}`;
    case 'additionalProperties':
      return `unknown field \`${String(params['additionalProperty'])}\``;
    case 'anyOf':
      return 'data did not match any variant of the expected types';
    case 'minimum':
      return `invalid value: ${valueAt(error)}, expected an unsigned integer`;
    case 'format':
      return params['format'] === 'uuid' ? 'value is neither an unsigned integer nor a UUID' : `invalid ${String(params['format'])}`;
    default:
      return error.message ?? 'invalid value';
  }
}

/** `/points/0/vector` → `points[0].vector`, the way Qdrant's validator names fields. */
function displayPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

function valueAt(error: ErrorObject): string {
  return (error as ErrorObject & { data?: unknown }).data === undefined ? '' : String((error as { data?: unknown }).data);
}
