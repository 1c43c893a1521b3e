import type { Schemas } from '../client/sextant-client.js';
import { errors } from '../client/errors.js';
import { cloneJson } from '../storage/utf8.js';
import { type CollectionConfig, type VectorSpec, checkDatatype, isVectorParams, vectorSpecs } from './config.js';
import type { Operation } from './operations.js';

/** The collection-level ops that add or drop a named vector (Qdrant 1.19's `PUT/DELETE /collections/{c}/vectors/{name}`). */
export type CreateVectorOp = Extract<Operation, { type: 'create_vector' }>;
export type DeleteVectorOp = Extract<Operation, { type: 'delete_vector' }>;

const DISTANCES = ['Cosine', 'Dot', 'Euclid', 'Manhattan'];

/**
 * Validates a `VectorNameConfig` body (`{dense: {size, distance, multivector_config?, datatype?}}` or
 * `{sparse: {modifier?, datatype?}}`) against the current config and returns the op that creates the vector.
 * The op carries the vector's params and its resolved segment spec, so applying it needs nothing else.
 */
export function createVectorOp(config: CollectionConfig, name: string, body: unknown): CreateVectorOp {
  if (typeof name !== 'string' || name.length === 0) throw errors.validation('vector_name: must not be empty');
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw errors.validation('expected `dense` or `sparse`');
  if (isVectorParams(config.params.vectors)) {
    // A collection made with one unnamed vector has no name space to add to (its vector is addressed as '').
    throw errors.wrongInput(`Collection uses a single unnamed vector; named vector ${name} cannot be added`);
  }
  if (vectorNames(config).has(name)) throw errors.wrongInput(`Vector with name ${name} already exists`);
  const raw = body as { dense?: Schemas['DenseVectorConfig']; sparse?: Schemas['SparseVectorConfig'] | null };
  let next: CollectionConfig;
  if (raw.dense !== undefined && raw.dense !== null) {
    const d = raw.dense;
    if (!Number.isInteger(d.size) || d.size < 1 || d.size > 65536) {
      throw errors.validation(`[dense.size: value ${String(d.size)} invalid, must be from 1 to 65536]`);
    }
    if (!DISTANCES.includes(d.distance)) {
      throw errors.validation(`dense.distance: unknown variant \`${String(d.distance)}\`, expected one of \`Cosine\`, \`Euclid\`, \`Dot\`, \`Manhattan\``);
    }
    const params: Schemas['VectorParams'] = { size: d.size, distance: d.distance };
    if (d.multivector_config) params.multivector_config = d.multivector_config;
    if (d.datatype !== undefined && d.datatype !== null) params.datatype = checkDatatype(d.datatype, 'dense.datatype');
    next = withVector(config, { type: 'create_vector', name, kind: 'dense', params });
    return { type: 'create_vector', name, kind: 'dense', params, spec: specOf(next, name) };
  }
  if ('sparse' in raw) {
    const s = raw.sparse ?? {};
    const modifier = typeof s.modifier === 'string' ? s.modifier.toLowerCase() : undefined;
    if (modifier !== undefined && modifier !== 'none' && modifier !== 'idf') {
      throw errors.validation(`sparse.modifier: unknown variant \`${String(s.modifier)}\`, expected one of \`none\`, \`idf\``);
    }
    const params: Schemas['SparseVectorParams'] = modifier === undefined ? {} : { modifier: modifier as 'none' | 'idf' };
    // `datatype` of a sparse vector is a storage choice Sextant does not offer; accepted and not kept.
    next = withVector(config, { type: 'create_vector', name, kind: 'sparse', params });
    return { type: 'create_vector', name, kind: 'sparse', params, spec: specOf(next, name) };
  }
  throw errors.validation('expected `dense` or `sparse`');
}

export function deleteVectorOp(config: CollectionConfig, name: string): DeleteVectorOp {
  if (!vectorNames(config).has(name)) throw errors.vectorNameNotFound(name);
  return { type: 'delete_vector', name };
}

/**
 * The config after a vector-name op. Idempotent (adding a vector that is there replaces its params, dropping one
 * that is not is a no-op), because open replays these ops over a config that may already include them.
 */
export function withVector(config: CollectionConfig, op: Omit<CreateVectorOp, 'spec'> | DeleteVectorOp): CollectionConfig {
  const next = cloneJson(config);
  const dense = (isVectorParams(next.params.vectors) ? {} : (next.params.vectors ?? {})) as Record<string, Schemas['VectorParams']>;
  const sparse = next.params.sparse_vectors ?? {};
  if (op.type === 'create_vector') {
    delete dense[op.name];
    delete sparse[op.name];
    if (op.kind === 'dense') dense[op.name] = op.params as Schemas['VectorParams'];
    else sparse[op.name] = op.params as Schemas['SparseVectorParams'];
  } else {
    delete dense[op.name];
    delete sparse[op.name];
  }
  next.params.vectors = dense;
  if (Object.keys(sparse).length > 0 || next.params.sparse_vectors !== undefined) next.params.sparse_vectors = sparse;
  return next;
}

function vectorNames(config: CollectionConfig): Set<string> {
  return new Set(vectorSpecs(config).map((s) => s.name));
}

function specOf(config: CollectionConfig, name: string): VectorSpec {
  return vectorSpecs(config).find((s) => s.name === name)!;
}
