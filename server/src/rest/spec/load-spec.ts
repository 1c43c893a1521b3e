import { readFileSync } from 'node:fs';

/**
 * The API description this server implements (see merge-spec.ts), read once. The file sits next to the sources and
 * is found from `src/rest/spec/` and from `dist/rest/spec/` alike, since both are two levels below the package.
 */
export interface OpenApiSpec {
  openapi: string;
  info: Record<string, unknown>;
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, SchemaObject> };
  [key: string]: unknown;
}

export interface OpenApiOperation {
  operationId: string;
  tags?: string[];
  summary?: string;
  description?: string;
  parameters?: Array<{ name: string; in: 'path' | 'query' | 'header'; required?: boolean; schema: SchemaObject }>;
  requestBody?: { required?: boolean; content: Record<string, { schema: SchemaObject }> };
  responses: Record<string, { content?: Record<string, { schema: SchemaObject }> }>;
}

export type SchemaObject = Record<string, unknown>;

/** One REST operation as the router needs it. `url` is in fastify's form (`/collections/:collection_name`). */
export interface Operation {
  id: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  url: string;
  /** The JSON body schema, when the operation takes a JSON body. */
  body: SchemaObject | undefined;
  bodyRequired: boolean;
  multipart: boolean;
  query: Map<string, SchemaObject>;
  /** Schema of `result` in a 200 answer, for tests; undefined for non-JSON answers (snapshot downloads, metrics). */
  result: SchemaObject | undefined;
}

let cached: OpenApiSpec | undefined;

export function qdrantSpec(): OpenApiSpec {
  cached ??= JSON.parse(
    readFileSync(new URL('../../../src/rest/spec/qdrant-openapi.json', import.meta.url), 'utf8'),
  ) as OpenApiSpec;
  return cached;
}

let operations: Operation[] | undefined;

export function specOperations(): Operation[] {
  operations ??= Object.entries(qdrantSpec().paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => toOperation(path, method, op)),
  );
  return operations;
}

function toOperation(path: string, method: string, op: OpenApiOperation): Operation {
  const json = op.requestBody?.content['application/json'];
  const ok = op.responses['200']?.content?.['application/json']?.schema;
  const resultSchema = (ok?.['properties'] as Record<string, SchemaObject> | undefined)?.['result'];
  return {
    id: op.operationId,
    method: method.toUpperCase() as Operation['method'],
    path,
    url: path.replace(/\{([a-z_]+)\}/g, ':$1'),
    body: json?.schema,
    bodyRequired: op.requestBody?.required === true,
    multipart: op.requestBody?.content['multipart/form-data'] !== undefined,
    query: new Map((op.parameters ?? []).filter((p) => p.in === 'query').map((p) => [p.name, p.schema])),
    result: resultSchema,
  };
}
