import type { Schemas } from '../client/sextant-client.js';

/** How many finished optimizations are remembered (Qdrant's default `completed_limit` is 16). */
const KEEP_COMPLETED = 64;

interface Run {
  uuid: string;
  optimizer: string;
  pointsCount: number;
  /** The segment it optimizes (its result gets the run's own uuid). */
  segment: string;
  startedAt: number;
  finishedAt?: number;
  /** Units of work (vectors to link, ids to vacuum) known at the start, and done so far. */
  total: number;
  done: number;
}

/**
 * What `GET /collections/{c}/optimizations` reports. Sextant's optimizers are the deferred HNSW linking that runs in
 * background slices (`indexing`, Qdrant's name for the optimizer that builds the index) and the compaction a flush
 * does once enough ids are retired (`vacuum`). A collection has one segment, so at most one run is ever active and
 * nothing queues behind it: the run covers the one segment.
 */
export class OptimizationTracker {
  private active: Run | undefined;
  private readonly completed: Run[] = [];
  /** Stable per segment generation: a compaction yields a new segment, as Qdrant's optimizers do. */
  private segmentUuid = randomUuid();

  get running(): boolean {
    return this.active !== undefined;
  }

  /** A background indexing run begins with `pending` vectors to link. */
  startIndexing(pointsCount: number, pending: number, now: number): void {
    if (this.active !== undefined) return;
    this.active = { uuid: randomUuid(), optimizer: 'indexing', pointsCount, segment: this.segmentUuid, startedAt: now, total: pending, done: 0 };
  }

  /** Progress of the active run: `pending` vectors are left (new writes may add to the total). */
  progress(pending: number): void {
    const run = this.active;
    if (run === undefined) return;
    if (run.done + pending > run.total) run.total = run.done + pending;
    run.done = run.total - pending;
  }

  finishIndexing(now: number): void {
    const run = this.active;
    if (run === undefined) return;
    run.done = run.total;
    run.finishedAt = now;
    this.active = undefined;
    this.remember(run);
    this.segmentUuid = run.uuid;
  }

  /** A compaction that already happened (it runs inside a flush, start to end). */
  recordVacuum(pointsCount: number, retired: number, startedAt: number, finishedAt: number): void {
    const run: Run = { uuid: randomUuid(), optimizer: 'vacuum', pointsCount, segment: this.segmentUuid, startedAt, finishedAt, total: retired, done: retired };
    this.remember(run);
    this.segmentUuid = run.uuid;
  }

  report(livePoints: number, options: { with?: string; completed_limit?: number } = {}): Schemas['OptimizationsResponse'] {
    const wanted = new Set((options.with ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0));
    const segment = { uuid: this.segmentUuid, points_count: livePoints };
    const out: Schemas['OptimizationsResponse'] = {
      summary: { queued_optimizations: 0, queued_segments: 0, queued_points: 0, idle_segments: this.active === undefined ? 1 : 0 },
      running: this.active === undefined ? [] : [toOptimization(this.active)],
    };
    if (wanted.has('queued')) out.queued = [];
    if (wanted.has('completed')) {
      const limit = options.completed_limit ?? 16;
      // Newest first.
      out.completed = this.completed.slice().reverse().slice(0, limit).map(toOptimization);
    }
    if (wanted.has('idle_segments')) out.idle_segments = this.active === undefined ? [segment] : [];
    return out;
  }

  private remember(run: Run): void {
    this.completed.push(run);
    if (this.completed.length > KEEP_COMPLETED) this.completed.shift();
  }
}

function toOptimization(run: Run): Schemas['Optimization'] {
  const finished = run.finishedAt !== undefined;
  return {
    uuid: run.uuid,
    optimizer: run.optimizer,
    status: finished ? 'done' : 'optimizing',
    segments: [{ uuid: run.segment, points_count: run.pointsCount }],
    progress: {
      name: run.optimizer,
      started_at: new Date(run.startedAt).toISOString(),
      finished_at: finished ? new Date(run.finishedAt!).toISOString() : null,
      duration_sec: finished ? (run.finishedAt! - run.startedAt) / 1000 : null,
      done: run.done,
      total: run.total,
    },
  };
}

/** A random v4 UUID; `crypto.randomUUID` where the platform has it (browsers, Node 19+). */
function randomUuid(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  const hex = Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((parseInt(hex[16]!, 16) & 3) | 8).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}
