import type { VectorSpec } from './config.js';
import { fitQuantizedSome, quantizationWanted } from './quantized-companion.js';
import type { NamedVectors, PayloadObject, SparseValue, VectorValue } from './operations.js';
import { IdTracker, type PointKey } from '../segment/id-tracker.js';
import type { SegmentImage } from '../segment/segment-format.js';
import { type DenseVectors, MultiVectorStorage, SparseVectorStorage, createDenseVectors, decodeDenseVectors } from '../segment/vector-storage.js';
import { type QuantizedStorage, restoreQuantized } from '../segment/quantized-params.js';
import { ColdDenseStorage } from '../segment/dense-cold-storage.js';
import type { RowFile } from '../storage.js';
import { HnswIndex } from '../index/hnsw/hnsw-index.js';
import { DenseIndex } from './dense-index.js';
import { SparseIndex } from '../index/sparse/sparse-index.js';
import { PayloadStorage } from '../segment/payload-storage.js';
import { PayloadIndexSet } from '../index/payload/payload-index-set.js';
import type { PointAccess } from '../filter/point-access.js';

export interface DenseSlot {
  kind: 'dense';
  spec: Extract<VectorSpec, { kind: 'dense' }>;
  /** float32, float16 or uint8 as `spec.datatype` says. */
  storage: DenseVectors;
  /** The graph and the ids still waiting to join it. */
  index: DenseIndex;
  /**
   * The int8 (`spec.scalar`) or binary (`spec.binary`) companion: derived from `storage`, built at the first search
   * that uses it (see nearest.ts `quantizedOf`), then kept current by `setVector`. Its fit is saved with the segment
   * (`quantized/<name>`) and restored at open; the codes are re-derived from the vectors.
   */
  quantized?: QuantizedStorage;
}
export interface MultiSlot {
  kind: 'multi';
  spec: Extract<VectorSpec, { kind: 'multi' }>;
  storage: MultiVectorStorage;
}
export interface SparseSlot {
  kind: 'sparse';
  spec: Extract<VectorSpec, { kind: 'sparse' }>;
  storage: SparseVectorStorage;
  index: SparseIndex;
}
export type VectorSlot = DenseSlot | MultiSlot | SparseSlot;

/**
 * The one segment of a collection: the id tracker plus every per-point storage and index, all indexed by internal id.
 * It is also the `PointAccess` that filters and payload indexes read through.
 *
 * Points are immutable in place: a write that changes a point's vectors gives it a fresh internal id and retires the
 * old one (live bit cleared, storages and indexes told). The graph therefore never has to re-link a node whose vector
 * changed; the retired ids wait for compaction.
 */
export class LocalSegment implements PointAccess {
  /**
   * Sequence number of the last operation applied (-1: none yet); the log replays only what comes after it.
   * Operation numbers start at 0, as Qdrant's `operation_id` does.
   */
  lastSeq = -1;

  private constructor(
    readonly ids: IdTracker,
    readonly slots: Map<string, VectorSlot>,
    readonly payloads: PayloadStorage,
    readonly indexes: PayloadIndexSet,
  ) {}

  static create(specs: VectorSpec[]): LocalSegment {
    const slots = new Map<string, VectorSlot>();
    for (const spec of specs) slots.set(spec.name, newSlot(spec));
    return new LocalSegment(new IdTracker(), slots, new PayloadStorage(), new PayloadIndexSet());
  }

  /**
   * Rebuilds from a segment image. HNSW graphs and indexes are decoded, never rebuilt. `openRows` opens the row
   * files that vectors served from disk name (an image from `encode({ rowFiles: true })`).
   */
  static decode(image: SegmentImage, specs: VectorSpec[], openRows?: (name: string) => RowFile): LocalSegment {
    const section = (name: string) => {
      const bytes = image.sections.get(name);
      if (bytes === undefined) throw new Error(`segment has no section ${name}`);
      return bytes;
    };
    const slots = new Map<string, VectorSlot>();
    for (const spec of specs) {
      const key = encodeURIComponent(spec.name);
      // A vector name added after this image was written (its create_vector op is in the log that follows) starts
      // empty; replaying that op resets the slot anyway.
      if (!image.sections.has(`vectors/${key}`)) {
        slots.set(spec.name, newSlot(spec));
        continue;
      }
      if (spec.kind === 'dense') {
        const storage = decodeDense(section(`vectors/${key}`), spec, openRows);
        const graph = image.sections.get(`hnsw/${key}`);
        const hnsw = graph === undefined ? undefined : HnswIndex.decode(graph, storage);
        const slot: DenseSlot = { kind: 'dense', spec, storage, index: DenseIndex.decode(storage, hnsw, spec.indexingThresholdKb) };
        const fit = image.sections.get(`quantized/${key}`);
        if (fit !== undefined) slot.quantized = restoreQuantized(storage, spec, fit);
        slots.set(spec.name, slot);
      } else if (spec.kind === 'multi') {
        slots.set(spec.name, { kind: 'multi', spec, storage: MultiVectorStorage.decode(section(`vectors/${key}`)) });
      } else {
        const storage = SparseVectorStorage.decode(section(`vectors/${key}`));
        slots.set(spec.name, { kind: 'sparse', spec, storage, index: SparseIndex.decode(section(`sparse-index/${key}`), storage) });
      }
    }
    const segment = new LocalSegment(
      IdTracker.decode(section('ids')),
      slots,
      PayloadStorage.decode(section('payloads')),
      PayloadIndexSet.decode(section('payload-indexes')),
    );
    segment.lastSeq = image.lastSeq;
    return segment;
  }

  /**
   * The segment's sections. Portable by default (every vector inline: a sync download, a snapshot); with
   * `rowFiles`, vectors served from disk are written as a reference to their row file, which `persistRows` must
   * have brought up to date just before (a flush: `writeGeneration`).
   */
  encode(options: { rowFiles?: boolean } = {}): SegmentImage {
    const sections = new Map<string, Uint8Array>();
    sections.set('ids', this.ids.encode());
    sections.set('payloads', this.payloads.encode());
    sections.set('payload-indexes', this.indexes.encode());
    for (const [name, slot] of this.slots) {
      const key = encodeURIComponent(name);
      const cold = options.rowFiles === true && slot.storage instanceof ColdDenseStorage && slot.storage.fileName !== undefined;
      sections.set(`vectors/${key}`, cold ? (slot.storage as ColdDenseStorage).encodeCold() : slot.storage.encode());
      if (slot.kind === 'dense' && slot.index.graph !== undefined) sections.set(`hnsw/${key}`, slot.index.graph.encode());
      if (slot.kind === 'dense' && slot.quantized !== undefined) sections.set(`quantized/${key}`, slot.quantized.encodeParams());
      if (slot.kind === 'sparse') sections.set(`sparse-index/${key}`, slot.index.encode());
    }
    return { lastSeq: this.lastSeq, sections };
  }

  /**
   * A flush's first step for the vector names served from disk: their new rows written to their row files and
   * synced (`open` absent: the storage has none, and the rows stay in RAM). Each file is named under `dir` with a
   * fresh generation, so a compacted or re-created slot never writes into a file an older manifest still names.
   * Returns the names of the row files the image will reference.
   */
  async persistRows(open: ((name: string) => RowFile) | undefined, dir: string): Promise<string[]> {
    const files: string[] = [];
    for (const [name, slot] of this.slots) {
      if (slot.kind !== 'dense' || !(slot.storage instanceof ColdDenseStorage)) continue;
      // A file once made is kept current even if the config stopped asking for disk: the image names it until reopened.
      if (slot.spec.onDisk !== true && slot.storage.fileName === undefined) continue;
      const newName = () => `${dir}${encodeURIComponent(name) || '_'}.${Date.now().toString(36)}${(rowFileCounter++).toString(36)}`;
      // The rows leave RAM once the graph needs no more building (a pending vector would read them thousands of times).
      if (await slot.storage.persist(open, newName, !slot.index.wantsIndexing())) files.push(slot.storage.fileName!);
    }
    return files;
  }

  // --- PointAccess: what filters and payload indexes read ---

  get capacity(): number {
    return this.ids.capacity;
  }
  isLive(id: number): boolean {
    return this.ids.isLive(id);
  }
  payload(id: number): PayloadObject | undefined {
    return this.payloads.get(id) as PayloadObject | undefined;
  }
  externalId(id: number): PointKey {
    return this.ids.externalOf(id);
  }
  internalId(ext: PointKey): number | undefined {
    return this.ids.internalOf(ext);
  }
  hasVector(id: number, name: string): boolean {
    return this.slots.get(name)?.storage.has(id) ?? false;
  }

  // --- point primitives used by applyOperation ---

  /** Adds a new point under a fresh internal id. The caller has retired any live id of the same key. */
  insertPoint(key: PointKey, vectors: NamedVectors, payload: PayloadObject | null, seq: number): number {
    const id = this.ids.allocate(key, seq);
    for (const [name, value] of Object.entries(vectors)) this.setVector(id, name, value);
    if (payload !== null && Object.keys(payload).length > 0) {
      this.payloads.set(id, payload);
      this.indexes.update(id, undefined, this.payloads.get(id), this);
    }
    return id;
  }

  /** Retires internal id `id`: live bit off, vectors and payload dropped from storages and indexes. */
  removePoint(id: number, seq: number): void {
    const before = this.payloads.get(id);
    if (before !== undefined) {
      this.indexes.update(id, before, undefined, this);
      this.payloads.delete(id);
    }
    for (const name of this.slots.keys()) this.deleteVector(id, name);
    this.ids.remove(id, seq);
  }

  /** The point's vectors in the op-log form, to carry them over when the point moves to a new internal id. */
  readVectors(id: number): NamedVectors {
    const out: NamedVectors = {};
    for (const [name, slot] of this.slots) {
      if (!slot.storage.has(id)) continue;
      if (slot.kind === 'dense') out[name] = Array.from(slot.storage.get(id));
      else if (slot.kind === 'multi') out[name] = slot.storage.get(id)!.map((row) => Array.from(row));
      else out[name] = slot.storage.get(id)!;
    }
    return out;
  }

  /**
   * A fresh, empty slot for `spec` (create_vector). Any slot of that name is replaced: when the op is replayed over
   * an older segment, the vectors there predate the name's creation and belong to a deleted namesake.
   */
  resetSlot(spec: VectorSpec): void {
    this.slots.set(spec.name, newSlot(spec));
  }

  /** Drops a vector name with every point's vector under it (delete_vector); points themselves stay. */
  dropSlot(name: string): void {
    // The slot's storages and index go with it: nothing else refers to them.
    this.slots.delete(name);
  }

  private setVector(id: number, name: string, value: VectorValue): void {
    // No slot: a replayed write to a name that a later op (also in the log) deleted, and the config already lacks.
    const slot = this.slots.get(name);
    if (slot === undefined) return;
    if (slot.kind === 'dense') {
      slot.storage.set(id, value as number[]);
      slot.quantized?.set(id);
      slot.index.add(id);
    } else if (slot.kind === 'multi') {
      slot.storage.set(id, value as number[][]);
    } else {
      slot.storage.set(id, value as SparseValue);
      slot.index.insert(id);
    }
  }

  deleteVector(id: number, name: string): void {
    const slot = this.slots.get(name);
    if (slot === undefined || !slot.storage.has(id)) return;
    if (slot.kind === 'dense') slot.index.remove(id);
    else if (slot.kind === 'sparse') slot.index.remove(id);
    slot.storage.delete(id);
  }

  /** Number of vectors held by HNSW graphs and sparse indexes (CollectionInfo.indexed_vectors_count). */
  indexedVectorsCount(): number {
    let n = 0;
    for (const slot of this.slots.values()) {
      if (slot.kind === 'dense') n += slot.index.indexedCount;
      else if (slot.kind === 'sparse') n += slot.storage.count;
    }
    return n;
  }

  /** Whether some dense vector name has vectors waiting to join its graph (Qdrant would say: optimizing). */
  wantsIndexing(): boolean {
    for (const slot of this.slots.values()) if (slot.kind === 'dense' && (slot.index.wantsIndexing() || quantizationWanted(slot))) return true;
    return false;
  }

  /** Vectors stored but not linked into their graph yet, over every dense vector name. */
  pendingVectors(): number {
    let n = 0;
    for (const slot of this.slots.values()) if (slot.kind === 'dense') n += slot.index.pendingCount;
    return n;
  }

  /** Background indexing step: links pending vectors until `deadline` (Date.now ms); true if work remains. */
  indexSome(deadline: number): boolean {
    for (const slot of this.slots.values()) {
      if (slot.kind !== 'dense' || !slot.index.wantsIndexing()) continue;
      slot.index.indexSome(deadline);
      if (Date.now() >= deadline) break;
    }
    // Product / turbo codes are fitted and encoded here, after the links, as Qdrant's optimizer quantizes.
    for (const slot of this.slots.values()) {
      if (Date.now() >= deadline) break;
      if (slot.kind === 'dense' && quantizationWanted(slot)) fitQuantizedSome(slot, deadline);
    }
    return this.wantsIndexing();
  }

  /** What background indexing waits on before its next slice (build threads planning a batch), if anything. */
  indexingWait(): Promise<void> | undefined {
    for (const slot of this.slots.values()) {
      const wait = slot.kind === 'dense' ? slot.index.indexingWait() : undefined;
      if (wait !== undefined) return wait;
    }
    return undefined;
  }

  /** Links every pending vector now (before shipping a segment whose receiver should not have to). */
  indexAll(): void {
    while (this.indexSome(Infinity));
  }
}

/** Distinguishes row files made in the same millisecond. */
let rowFileCounter = 0;

/** Whether a dense vector's originals go to a row file: on_disk / memory cold, float32 (other datatypes stay in RAM). */
function servedFromDisk(spec: Extract<VectorSpec, { kind: 'dense' }>): boolean {
  return spec.onDisk === true && spec.datatype === 'float32';
}

/** A dense section: a row-file reference, or inline rows (kept in a cold-capable storage when the spec is on disk). */
function decodeDense(bytes: Uint8Array, spec: Extract<VectorSpec, { kind: 'dense' }>, openRows: ((name: string) => RowFile) | undefined): DenseVectors {
  if (ColdDenseStorage.isCold(bytes)) {
    if (openRows === undefined) throw new Error('vectors are in a row file, and this storage has no row files');
    const cold = ColdDenseStorage.decodeCold(bytes, openRows);
    // The spec no longer asks for disk (or another datatype): back in RAM, inline from the next flush.
    return servedFromDisk(spec) ? cold : decodeDenseVectors(cold.encode());
  }
  return servedFromDisk(spec) && ColdDenseStorage.isInlineFloat32(bytes) ? ColdDenseStorage.decodePortable(bytes) : decodeDenseVectors(bytes);
}

function newSlot(spec: VectorSpec): VectorSlot {
  if (spec.kind === 'dense') {
    const storage = servedFromDisk(spec) ? new ColdDenseStorage(spec.size, spec.distance) : createDenseVectors(spec.size, spec.distance, spec.datatype);
    return { kind: 'dense', spec, storage, index: DenseIndex.create(storage, spec.hnsw.m, spec.hnsw.ef_construct, spec.indexingThresholdKb) };
  }
  if (spec.kind === 'multi') return { kind: 'multi', spec, storage: new MultiVectorStorage(spec.size, spec.distance, spec.datatype) };
  const storage = new SparseVectorStorage(spec.datatype ?? 'float32');
  return { kind: 'sparse', spec, storage, index: new SparseIndex(storage) };
}
