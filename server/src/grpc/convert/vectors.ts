import type { MessageInitShape } from '@bufbuild/protobuf';
import type { Schemas } from '@sextant/core';
import type { Vector, VectorInput, Vectors, VectorOutputSchema, VectorsOutputSchema } from '@sextant/proto';
import { SextantError } from '@sextant/core';
import { invalid } from '../status.js';
import { pointIdFromProto } from './point-id.js';

type RestVector = number[] | number[][] | Schemas['SparseVector'];
type VectorOutputInit = MessageInitShape<typeof VectorOutputSchema>;

/**
 * qdrant.Vectors (a point's vectors on write) -> REST VectorStruct. Accepts both the current oneof (`dense`,
 * `sparse`, `multi_dense`) and the deprecated flat layout (`data` + `indices` for sparse, `data` + `vectors_count`
 * for multi-vectors) that older clients still send.
 */
export function vectorsFromProto(vectors: Vectors | undefined): Schemas['VectorStruct'] {
  const v = vectors?.vectorsOptions;
  if (v?.case === 'vector') return vectorFromProto(v.value) as Schemas['VectorStruct'];
  if (v?.case === 'vectors') {
    const out: Record<string, RestVector> = {};
    for (const name of Object.keys(v.value.vectors)) out[name] = vectorFromProto(v.value.vectors[name]!);
    return out as Schemas['VectorStruct'];
  }
  // Qdrant treats a point without vectors as having none (valid for collections with only sparse/named vectors).
  return {} as Schemas['VectorStruct'];
}

export function vectorFromProto(vector: Vector): RestVector {
  const v = vector.vector;
  switch (v.case) {
    case 'dense':
      return v.value.data;
    case 'sparse':
      return { indices: v.value.indices, values: v.value.values };
    case 'multiDense':
      return v.value.vectors.map((d) => d.data);
    case 'document':
    case 'image':
    case 'object':
      throw inferenceUnsupported();
    case undefined:
      break;
  }
  if (vector.indices) return { indices: vector.indices.data, values: vector.data };
  if (vector.vectorsCount !== undefined && vector.vectorsCount > 0) {
    const count = vector.vectorsCount;
    // Checked before any row is built: `count` is a client-chosen uint32 and `0 % count === 0`, so without this a
    // 2^32 - 1 count with no data would allocate billions of empty rows before any dimension check could run.
    if (count > vector.data.length) {
      throw invalid(`multi-vector vectors_count ${count} is larger than its data (${vector.data.length} values): every vector needs at least one value`);
    }
    if (vector.data.length % count !== 0) {
      throw invalid(`multi-vector data of length ${vector.data.length} does not split into ${count} vectors`);
    }
    const dim = vector.data.length / count;
    return Array.from({ length: count }, (_, i) => vector.data.slice(i * dim, (i + 1) * dim));
  }
  return vector.data;
}

/** REST vector output (what the engine returns for `with_vector`) -> qdrant.VectorsOutput. */
export function vectorsToProto(vectors: unknown): MessageInitShape<typeof VectorsOutputSchema> | undefined {
  if (vectors === undefined || vectors === null) return undefined;
  if (Array.isArray(vectors)) return { vectorsOptions: { case: 'vector', value: vectorToProto(vectors) } };
  const named: Record<string, VectorOutputInit> = {};
  for (const [name, value] of Object.entries(vectors as Record<string, unknown>)) named[name] = vectorToProto(value);
  return { vectorsOptions: { case: 'vectors', value: { vectors: named } } };
}

function vectorToProto(vector: unknown): VectorOutputInit {
  if (Array.isArray(vector)) {
    if (vector.length > 0 && Array.isArray(vector[0])) {
      const rows = vector as number[][];
      return { vector: { case: 'multiDense', value: { vectors: rows.map((data) => ({ data })) } } };
    }
    return { vector: { case: 'dense', value: { data: vector as number[] } } };
  }
  const sparse = vector as Schemas['SparseVector'];
  return { vector: { case: 'sparse', value: { indices: sparse.indices, values: sparse.values } } };
}

/** qdrant.VectorInput (query side: an example by id or a raw vector) -> REST VectorInput. */
export function vectorInputFromProto(input: VectorInput | undefined): Schemas['VectorInput'] {
  const v = input?.variant;
  switch (v?.case) {
    case 'id':
      return pointIdFromProto(v.value);
    case 'dense':
      return v.value.data;
    case 'sparse':
      return { indices: v.value.indices, values: v.value.values };
    case 'multiDense':
      return v.value.vectors.map((d) => d.data);
    case 'document':
    case 'image':
    case 'object':
      throw inferenceUnsupported();
    case undefined:
      throw invalid('vector input is empty: set an id or a vector');
  }
}

function inferenceUnsupported(): SextantError {
  return new SextantError('bad_request', 'Wrong input: server-side inference (Document, Image, InferenceObject) is not available in Sextant; send vectors');
}
