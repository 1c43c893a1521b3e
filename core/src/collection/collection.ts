import type { Clock, Storage } from '../storage.js';
import type { Schemas } from '../client/sextant-client.js';
import { SextantError } from '../client/errors.js';
import { OpLog } from '../wal/op-log.js';
import { type CollectionConfig, type VectorSpec, patchCollectionConfig, vectorSpecs } from './config.js';
import { LocalSegment } from './local-segment.js';
import type { Operation } from './operations.js';
import { decodeLoggedOp, encodeLoggedOp, skippedFrom } from '../wal/op-codec.js';
import { RESERVED_OPS, readSeqReservation, seqReservationName, writeSeqReservation } from '../wal/seq-reservation.js';
import { applyOperation } from './apply-operation.js';
import { OptimizationTracker } from './optimizations.js';
import { type CreateVectorOp, type DeleteVectorOp, withVector } from './vector-names.js';
import { SerialQueue } from './serial-queue.js';
import { compactSegment, shouldCompact } from './compact-segment.js';
import { utf8Decode, utf8Encode } from '../storage/utf8.js';
import { checkContinuous, collectGarbage, generationNames, openSegment, verifyWritten, writeGeneration, type GenerationWrite, type SectionBases } from './segment-generations.js';
import type { LogRecord } from '../wal/op-log.js';

/**
 * Told of every operation right after it is applied (inside the write queue, so in sequence order and before the
 * write is acknowledged). Sync's change feed and its capture of local writes listen here. A listener must not throw
 * and must not write to the collection; deletions are visible to it as retired ids carrying the op's number.
 */
export type AppliedListener = (op: Operation, seq: number) => void;

export interface CollectionOptions {
  /** Flush (write the segment, empty the log) once the log holds this many bytes. Default: the collection's wal_capacity_mb. */
  walFlushBytes?: number;
  /**
   * Told when stored bytes fail their checks at open: a damaged segment the collection was rebuilt without, or op
   * log records dropped after a torn or corrupted one. The server logs these and lists them under `/issues`.
   */
  onIntegrityIssue?: (message: string) => void;
  /** Time for rate limits (strict mode); the system clock when omitted. */
  clock?: Clock;
}

/** See `Collection.collapseGenerations`. */
const COLLAPSE_MIN_LOG_BYTES = 1024 * 1024;
const COLLAPSE_LOG_SHARE = 0.1;

/** Longest stretch of background indexing before yielding to queued reads and writes. */
const INDEX_SLICE_MS = 20;

/** Where a collection keeps its blobs: `collections/<encoded name>/{config,manifest,blobs/,wal}` (segment-generations.ts). */
export function collectionPrefix(name: string): string {
  return `collections/${encodeURIComponent(name)}/`;
}


/**
 * A collection: its config, its one segment and its op logs, with a queue that serializes every write.
 *
 * Write path (see `write`): validate against the current state -> next sequence number (for `wait: false`, within a
 * synced reservation, seq-reservation.ts) -> append to the live log (float32 vectors, op-codec.ts) -> apply to the
 * segment -> (wait) sync storage. Because the append precedes the apply and sync precedes the answer, a write
 * acknowledged with `wait: true` survives a crash: reopening replays the logs over the last flushed segment. Two logs
 * take turns (`rotateLogs`), so a flush never copies one.
 */
export class Collection {
  private readonly queue = new SerialQueue();
  private seq: number;
  private closed = false;
  private readonly listeners = new Set<AppliedListener>();
  private indexingScheduled = false;
  /** Background indexing and compaction runs, for `getOptimizations`. */
  readonly optimizations = new OptimizationTracker();
  /** Set if background indexing ever failed (a bug): getCollection then reports status red with the message. */
  private indexingFailure: string | undefined;
  private lastFlushValue: GenerationWrite | undefined;
  /** Highest op number that may be acknowledged before it is durable (see seq-reservation.ts). */
  private reservedSeq = -1;
  /** The sections' last full writes, which later flushes patch (segment-generations.ts). */
  private readonly bases: SectionBases = new Map();

  private constructor(
    private readonly storage: Storage,
    readonly name: string,
    private configValue: CollectionConfig,
    private specsValue: VectorSpec[],
    private segmentValue: LocalSegment,
    /** The log writes go to; `otherLog` holds the ops the previous generation needs (see `flushNow`). */
    private log: OpLog,
    private otherLog: OpLog,
    private readonly options: CollectionOptions,
    /** Log bytes dropped at open because the last record was torn (reported for telemetry and tests). */
    readonly droppedLogBytes: number,
  ) {
    this.seq = segmentValue.lastSeq;
  }

  /** Vector names and their parameters (dense specs follow `indexing_threshold` updates). */
  get specs(): VectorSpec[] {
    return this.specsValue;
  }

  /** Whether background indexing has work left: Qdrant reports such a collection as yellow. */
  get indexing(): boolean {
    return this.segmentValue.wantsIndexing();
  }

  get indexingError(): string | undefined {
    return this.indexingFailure;
  }

  /** The live segment. Replaced by compaction: read it per call, never keep it across awaits. */
  get segment(): LocalSegment {
    return this.segmentValue;
  }

  get config(): CollectionConfig {
    return this.configValue;
  }

  /** Sequence number of the last accepted operation; -1 before the first (numbers start at 0, like Qdrant's). */
  get lastSeq(): number {
    return this.seq;
  }

  /** Milliseconds from the injected clock (strict mode's rate limits). */
  now(): number {
    return this.options.clock?.now() ?? Date.now();
  }

  get logBytes(): number {
    return this.log.bytes;
  }

  static async create(storage: Storage, name: string, config: CollectionConfig, options: CollectionOptions = {}): Promise<Collection> {
    const prefix = collectionPrefix(name);
    for (const stale of await storage.list(prefix)) await storage.delete(stale);
    const specs = vectorSpecs(config);
    const segment = LocalSegment.create(specs);
    await writeGeneration(storage, prefix, segment);
    const names = generationNames(prefix);
    const { log } = await OpLog.open(storage, names.wal);
    const { log: other } = await OpLog.open(storage, names.previousWal);
    // The config goes last: a collection "exists" on disk once its config blob does.
    await storage.write(`${prefix}config`, utf8Encode(JSON.stringify(config)));
    await storage.sync();
    return new Collection(storage, name, config, specs, segment, log, other, options, 0);
  }

  /** Opens a stored collection: decode the segment, then replay every logged op after its last sequence number. */
  static async open(storage: Storage, name: string, options: CollectionOptions = {}): Promise<Collection> {
    const prefix = collectionPrefix(name);
    const configBytes = await storage.read(`${prefix}config`);
    if (configBytes === undefined) throw new SextantError('storage_corrupted', `Service internal error: collection ${name} has no config`);
    let config: CollectionConfig;
    try {
      config = JSON.parse(utf8Decode(configBytes)) as CollectionConfig;
    } catch {
      throw new SextantError('storage_corrupted', `Service internal error: config of collection ${name} is corrupted: it is not JSON`);
    }
    const specs = vectorSpecs(config);
    const { segment, recoveredFrom } = await openSegment(storage, prefix, name, specs);
    const names = generationNames(prefix);
    const first = await OpLog.open(storage, names.wal);
    const second = await OpLog.open(storage, names.previousWal);
    const report = options.onIntegrityIssue ?? (() => undefined);
    for (const { log, dropped } of [first, second]) {
      if (dropped > 0) {
        report(`op log of ${name}: ${dropped} bytes at byte ${log.bytes} are torn or corrupted and were dropped, with every record after them`);
      }
    }
    // The two logs take turns (see flushNow): writes go on in the one holding the newest op; either may hold ops the
    // segment already has, which replay skips by number.
    const newest = (records: readonly LogRecord[]) => (records.length === 0 ? -Infinity : records[records.length - 1]!.seq);
    const secondLive = newest(second.records) > newest(first.records);
    const [log, other] = secondLive ? [second.log, first.log] : [first.log, second.log];
    const all = [...first.records, ...second.records].sort((a, b) => a.seq - b.seq);
    const dropped = first.dropped + second.dropped;
    if (recoveredFrom !== undefined) {
      checkContinuous(name, segment.lastSeq, all.map((record) => ({ seq: record.seq, from: skippedFrom(record.payload) ?? record.seq })), recoveredFrom);
    }
    const collection = new Collection(storage, name, config, specs, segment, log, other, options, dropped);
    let vectorNamesChanged = false;
    for (const { seq, payload } of all) {
      if (seq <= collection.seq) continue;
      // Decoded one at a time: a log's vectors as number[] would take several times its bytes all at once.
      const op = decodeLoggedOp(payload);
      collection.seq = seq;
      if (op.type === '$skip') continue;
      applyOperation(segment, op, seq);
      if (op.type === 'create_vector' || op.type === 'delete_vector') {
        collection.configValue = withVector(collection.configValue, op);
        vectorNamesChanged = true;
      }
    }
    const reserved = await readSeqReservation(storage, seqReservationName(prefix));
    if (reserved === undefined) report(`op number reservation of ${name} is corrupted: numbering resumes ${RESERVED_OPS} above the last durable op`);
    // Numbers up to the reservation may have been acknowledged (wait=false) and lost in a crash: never give them out
    // again. The skip record keeps the logs continuous for a later recovery from the previous generation.
    const highest = reserved ?? collection.seq + RESERVED_OPS;
    if (highest > collection.seq) {
      await log.append(highest, encodeLoggedOp({ type: '$skip', from: collection.seq + 1 }));
      await storage.sync();
      collection.seq = highest;
    }
    collection.reservedSeq = collection.seq;
    if (vectorNamesChanged) {
      // Idempotent: the stored config may already include these ops; either way it now matches the log.
      await storage.write(`${prefix}config`, utf8Encode(JSON.stringify(collection.configValue)));
      await storage.sync();
      collection.specsValue = vectorSpecs(collection.configValue);
    }
    if (recoveredFrom !== undefined) {
      segment.lastSeq = collection.seq;
      await writeGeneration(storage, prefix, segment, true);
      await collection.rotateLogs();
      await collectGarbage(storage, prefix);
      report(`${recoveredFrom}; recovered from the previous segment and the op logs up to operation ${collection.seq}`);
    }
    collection.scheduleIndexing();
    return collection;
  }

  /**
   * Accepts operations: `build` runs inside the queue against the current state (so it can resolve filters to ids
   * and check that points exist) and returns the ops, or throws to reject the whole request untouched. Each op gets
   * its own sequence number and result, in order.
   */
  write(build: (segment: LocalSegment) => Operation[], wait: boolean): Promise<Schemas['UpdateResult'][]> {
    return this.queue.run(async () => {
      this.assertOpen();
      const ops = build(this.segment);
      const results: Schemas['UpdateResult'][] = [];
      for (const op of ops) {
        const seq = this.seq + 1;
        if (!wait && seq > this.reservedSeq) {
          // The sync also makes every earlier record durable: only numbers from here on can be lost by a crash.
          await writeSeqReservation(this.storage, seqReservationName(collectionPrefix(this.name)), seq + RESERVED_OPS - 1);
          await this.storage.sync();
          this.reservedSeq = seq + RESERVED_OPS - 1;
        }
        await this.log.append(seq, encodeLoggedOp(op));
        this.seq = seq;
        applyOperation(this.segment, op, seq);
        if (op.type === 'create_vector' || op.type === 'delete_vector') await this.persistVectorNames(op);
        for (const listener of this.listeners) listener(op, seq);
        results.push({ operation_id: seq, status: wait ? 'completed' : 'acknowledged' });
      }
      if (wait) await this.storage.sync();
      if (this.log.bytes >= this.flushThreshold()) await this.flushNow();
      this.scheduleIndexing();
      return results;
    });
  }

  /**
   * A vector-name op changes the config too. The op is made durable first; the config after it. A crash between
   * leaves a config without the change and a log with it: open replays the op onto the config (`withVector`).
   */
  private async persistVectorNames(op: CreateVectorOp | DeleteVectorOp): Promise<void> {
    await this.storage.sync();
    const next = withVector(this.configValue, op);
    await this.storage.write(`${collectionPrefix(this.name)}config`, utf8Encode(JSON.stringify(next)));
    await this.storage.sync();
    this.configValue = next;
    this.applySpecs(vectorSpecs(next));
  }

  /** Subscribes to applied operations (see `AppliedListener`); returns the unsubscribe function. */
  onApplied(listener: AppliedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Changes the config (PATCH semantics) and persists it; vector layouts stay as they are. */
  updateConfig(patch: Schemas['UpdateCollection']): Promise<void> {
    return this.queue.run(async () => {
      this.assertOpen();
      const next = patchCollectionConfig(this.configValue, patch);
      await this.storage.write(`${collectionPrefix(this.name)}config`, utf8Encode(JSON.stringify(next)));
      await this.storage.sync();
      this.configValue = next;
      this.applySpecs(vectorSpecs(next));
    });
  }

  /**
   * Points the live slots at updated specs: search defaults (`ef_construct` as default ef, `full_scan_threshold`)
   * and `indexing_threshold` take effect at once. A built graph keeps the `m` / `ef_construct` it was built with
   * until compaction rebuilds it.
   */
  private applySpecs(specs: VectorSpec[]): void {
    this.specsValue = specs;
    for (const spec of specs) {
      const slot = this.segmentValue.slots.get(spec.name);
      if (slot === undefined || slot.kind !== spec.kind) continue;
      (slot as { spec: VectorSpec }).spec = spec;
      if (slot.kind === 'dense' && spec.kind === 'dense') slot.index.setIndexingThreshold(spec.indexingThresholdKb);
    }
    this.scheduleIndexing();
  }

  /**
   * Starts background indexing when there is work: slices of a few milliseconds, each through the write queue (so
   * never in the middle of an op), with a macrotask between slices so reads and writes interleave.
   */
  private scheduleIndexing(): void {
    if (this.indexingScheduled || this.closed || this.indexingFailure !== undefined || !this.segmentValue.wantsIndexing()) return;
    this.indexingScheduled = true;
    this.optimizations.startIndexing(this.segmentValue.ids.liveCount, this.segmentValue.pendingVectors(), Date.now());
    const timers = globalThis as unknown as { setTimeout(fn: () => void, ms: number): { unref?(): void } | number };
    const tick = (): void => {
      this.queue
        .run(() => (this.closed ? false : this.segmentValue.indexSome(Date.now() + INDEX_SLICE_MS)))
        .then(
          (more) => {
            this.optimizations.progress(this.segmentValue.pendingVectors());
            if (more) {
              // Build threads planning the next batch: wait for them instead of polling.
              const wait = this.segmentValue.indexingWait();
              if (wait === undefined) later();
              else void wait.then(later);
            } else {
              this.indexingScheduled = false;
              this.optimizations.finishIndexing(Date.now());
            }
          },
          (error: unknown) => {
            this.indexingScheduled = false;
            this.indexingFailure = error instanceof Error ? error.message : String(error);
          },
        );
    };
    // unref: pending indexing must not keep a Node process alive; what is left is redone after reopen.
    const later = () => {
      const handle = timers.setTimeout(tick, 0);
      if (typeof handle === 'object') handle.unref?.();
    };
    later();
  }

  /** Resolves once every stored vector is linked into its graph (what Qdrant's status going green signals). */
  whenIndexed(): Promise<void> {
    return this.queue.run(() => {
      if (this.closed) return;
      this.segmentValue.indexAll();
      this.optimizations.progress(0);
      this.optimizations.finishIndexing(Date.now());
    });
  }

  /** What the last flush wrote (chunks written and kept, bytes); undefined before the first flush of this object. */
  get lastFlush(): GenerationWrite | undefined {
    return this.lastFlushValue;
  }

  /** Writes the changed chunks (or patches) of the segment and its manifest (atomically, checksummed), then rotates the logs; compacts first when enough ids are retired. */
  flush(): Promise<void> {
    return this.queue.run(() => this.flushNow());
  }

  /** Flushes and refuses further writes. */
  close(): Promise<void> {
    return this.queue.run(async () => {
      if (this.closed) return;
      await this.flushNow();
      this.closed = true;
    });
  }

  /** Deletes every blob of the collection. The object is unusable afterwards. */
  destroy(): Promise<void> {
    return this.queue.run(async () => {
      this.closed = true;
      const prefix = collectionPrefix(this.name);
      // Config first: if we crash midway, the leftovers are not mistaken for a collection.
      await this.storage.delete(`${prefix}config`);
      for (const name of await this.storage.list(prefix)) await this.storage.delete(name);
      await this.storage.sync();
    });
  }

  private async flushNow(): Promise<void> {
    if (this.closed) return;
    const prefix = collectionPrefix(this.name);
    this.segment.lastSeq = this.seq;
    const optimizer = this.configValue.optimizer_config;
    if (shouldCompact(this.segment, Number(optimizer.deleted_threshold ?? 0.2), Number(optimizer.vacuum_min_vector_number ?? 1000))) {
      const started = Date.now();
      const retired = this.segment.ids.capacity - this.segment.ids.liveCount;
      this.segmentValue = compactSegment(this.segment, this.specs);
      this.optimizations.recordVacuum(this.segmentValue.ids.liveCount, retired, started, Date.now());
      this.scheduleIndexing();
    }
    // Durable (manifest and chunks synced) before the log that could rebuild it goes away.
    this.lastFlushValue = await writeGeneration(this.storage, prefix, this.segment, false, this.bases);
    await this.rotateLogs();
    await this.collapseGenerations(this.lastFlushValue);
    if (this.reservedSeq > this.seq) {
      // Every op so far is in the segment just written: no acknowledged number is at risk any more.
      await writeSeqReservation(this.storage, seqReservationName(prefix), this.seq);
      await this.storage.sync();
      this.reservedSeq = this.seq;
    }
    await collectGarbage(this.storage, prefix);
  }

  /**
   * After a generation is written: the other log held the ops between the two generations before it, which nothing
   * needs now, so it is emptied and takes the writes; the live log's ops (between the previous generation and the new
   * one) stay for a recovery from the previous generation. No copy: each op is written to storage once.
   * A crash before the emptying is synced leaves both logs: open resumes in the one holding the newest op.
   */
  private async rotateLogs(): Promise<void> {
    if (this.otherLog.bytes > 0) {
      await this.otherLog.truncate();
      await this.storage.sync();
    }
    [this.log, this.otherLog] = [this.otherLog, this.log];
  }

  /**
   * Keeps storage near one copy of the data after a bulk load: when the ops kept for the previous generation (the other
   * log, after `rotateLogs`) are more than a tenth of the segment and over a megabyte, the flush reads back what it
   * wrote and, if sound, makes the new generation the previous one too and drops those ops. Smaller flushes keep the
   * previous generation and its log, so a damaged chunk of the latest flush is recovered from them.
   */
  private async collapseGenerations(flush: GenerationWrite): Promise<void> {
    const kept = this.otherLog.bytes;
    if (kept <= COLLAPSE_MIN_LOG_BYTES || kept <= flush.segmentBytes * COLLAPSE_LOG_SHARE) return;
    const prefix = collectionPrefix(this.name);
    if (!(await verifyWritten(this.storage, prefix, flush.written))) return;
    const names = generationNames(prefix);
    // Order: manifest.prev first, then the log; a crash between leaves ops every generation already has.
    await this.storage.write(names.previousManifest, (await this.storage.read(names.manifest))!);
    await this.storage.sync();
    await this.otherLog.truncate();
    await this.storage.sync();
  }

  private flushThreshold(): number {
    return this.options.walFlushBytes ?? Number(this.configValue.wal_config?.wal_capacity_mb ?? 32) * 1024 * 1024;
  }

  private assertOpen(): void {
    if (this.closed) throw new SextantError('unavailable', `Service unavailable: collection ${this.name} is closed`);
  }
}
