import type { ScoredIds } from '../index/hnsw/hnsw-index.js';
import type { SharedScanTarget, SharedSearchTarget } from './executor.js';

/**
 * One search thread as the dispatch sees it. The platform's own lane type extends this with its transport (a
 * worker_threads Worker and its query ring, a Web Worker and its outbox); the dispatch owns these fields.
 */
export interface DispatchLane {
  /** Searches handed to this lane and not settled yet (queued this turn or sent). */
  busy: number;
  /** Per graph key, the epoch of the graph arrays this lane holds (or will, once its queue is sent). */
  known: Map<number, number>;
  /** False once the lane failed or the dispatch closed: it takes no searches and its own were settled undefined. */
  alive: boolean;
  /** Searches queued in this turn, sent together by `LaneTransport.send` at its end. */
  queued: number;
  /** Index-build shares sent to this lane and not answered yet (the platform counts them). */
  plans: number;
  /**
   * Graph keys this lane planned build shares of (see `notePlan`): its planner keeps a walker of each, which a graph
   * only planned, never searched, is not in `known` for.
   */
  planKeys: Set<number>;
}

/** What a platform does for the dispatch: only the moving of messages, never bookkeeping. */
export interface LaneTransport<L extends DispatchLane> {
  /**
   * Sends what `lane` queued in this turn as one message. Called for every lane with `queued > 0`, a failed one too:
   * it must then drop its outbox unsent (the dispatch already settled those searches undefined).
   */
  send(lane: L): void;
  /** Tells `lane` that graph `key` was garbage-collected, so it drops its walkers of it (searches' and plans'). */
  forget(lane: L, key: number): void;
  /**
   * Runs `flush` once the current turn has queued all it will: a macrotask after the ones already waiting (Node's
   * `setImmediate`, a MessageChannel message in a browser), so requests that arrived together (one per socket read,
   * one per message event) are one turn, which is what the `busy` policy reads as load.
   */
  defer(flush: () => void): void;
  /**
   * Optional: runs `run` once the current task's microtasks have all run, before the next task (Node: a
   * `process.nextTick` queued from a microtask). With it, the `busy` policy tells apart, among the searches asked
   * after one the owner answered itself in this turn, those asked later in the same task once that answer was
   * delivered (a caller awaiting one search after another: answered in-thread too) from those of other tasks (a
   * request per socket read: they hop, as do the rest of a synchronous run such as a Promise.all or a batch). Without
   * it (a browser worker, whose callers await on the page, so their next search comes in a later turn) all of them
   * hop. An embedded Node caller's awaited searches otherwise alternated between in-thread and a hop (20k x 128, one
   * in-process client: 3,010 q/s threads on against 6,224 off).
   */
  afterTask?(run: () => void): void;
  /** `lane` has its first search in flight (`true`) or its last one settled (`false`): Node refs / unrefs. */
  active?(lane: L, busy: boolean): void;
  /** Stops the lane's thread (at close). */
  stop(lane: L): Promise<void> | void;
}

/**
 * When a search hops to a thread:
 * - `always`: every search that can;
 * - `busy`: only when the owner already has work: a search in flight on a thread, one queued in this turn, or one it
 *   answered itself in this turn (except, with `LaneTransport.afterTask`, a search its caller asked in the same task
 *   after that answer), or (with `ownerLoad`) while the owner is handling other requests too. A lone search is
 *   answered in-thread, so it never pays the two thread hops (the bench's one-client rows: 0.13 ms in-thread against
 *   0.32 ms threaded at p50), and neither does each of a caller's searches awaited one after another.
 */
export type OffloadPolicy = 'always' | 'busy';

interface Waiting<L> {
  lane: L;
  resolve: (found: ScoredIds | undefined) => void;
}

/**
 * The bookkeeping both search pools share (server worker_threads, browser Web Workers): least-loaded choice of a
 * lane, ids and promises of searches in flight, which graphs each lane holds, the per-turn batching, forgetting
 * garbage-collected graphs, failure and close. The platform keeps only the transport (`LaneTransport`).
 *
 * Contract: every promise `enqueue` returns settles exactly once, with the lane's answer or undefined (the lane
 * failed, the dispatch closed, or the platform settled it undefined): the caller then searches in-thread.
 */
export class SearchDispatch<L extends DispatchLane> {
  readonly lanes: L[] = [];
  private readonly waiting = new Map<number, Waiting<L>>();
  private nextId = 1;
  private closing = false;
  private flushing = false;
  /** Searches the owner answered itself in this turn (see `offloadNow`); reset at the end of the turn. */
  private ownerTook = false;
  /**
   * With `afterTask`: the owner answered a search itself in this task (reset at its end), and, within it, the
   * microtasks queued before the last such answer have not all run yet (`tookRun`): a search asked meanwhile was
   * asked before that answer was delivered, so not by the caller awaiting it.
   */
  private inTask = false;
  private tookRun = false;
  private readonly endTask = (): void => {
    this.inTask = false;
  };
  private readonly endRun = (): void => {
    this.tookRun = false;
  };
  private answered = 0;
  private readonly gone = new FinalizationRegistry<number>((key) => this.forget(key));
  private readonly registered = new Set<number>();
  policy: OffloadPolicy = 'busy';
  /**
   * Requests the owner is handling now, this search's among them (a server's REST and gRPC calls in flight). Under
   * `busy`, a search hops while there are others: answered in-thread it would hold up their parsing and replies.
   * Requests arriving one per turn (each client's next as soon as its last was answered) otherwise look like
   * lone searches, and the owner ended up walking most of them while its threads idled.
   */
  ownerLoad: (() => number) | undefined;

  constructor(private readonly transport: LaneTransport<L>) {}

  get closed(): boolean {
    return this.closing;
  }

  /** Walks and scans the lanes answered (those they handed back are not counted). */
  get offloaded(): number {
    return this.answered;
  }

  /** Lanes still taking searches. */
  get running(): number {
    let n = 0;
    for (const l of this.lanes) if (l.alive) n++;
    return n;
  }

  /** Searches handed to lanes and not settled yet. */
  get inFlight(): number {
    return this.waiting.size;
  }

  /**
   * Whether a search asked now should go to a lane (see `OffloadPolicy`). A `false` is a promise by the caller to
   * answer it in-thread in this turn: the next search of the turn then hops.
   */
  offloadNow(): boolean {
    if (this.closing) return false;
    if (this.policy === 'always' || this.waiting.size > 0) return true;
    const afterTask = this.transport.afterTask;
    if (this.ownerTook && (afterTask === undefined || this.tookRun || !this.inTask)) return true;
    if (this.ownerLoad !== undefined && this.ownerLoad() > 1) return true;
    this.ownerTook = true;
    this.schedule();
    if (afterTask !== undefined) {
      // Queued behind the microtasks already waiting (callers woken with this one), ahead of this answer's delivery.
      this.tookRun = true;
      void Promise.resolve().then(this.endRun);
      if (!this.inTask) {
        this.inTask = true;
        afterTask(this.endTask);
      }
    }
    return false;
  }

  /** Whether filtered walks hop too (SearchExecutor.offloadFiltered): only under the `always` policy. */
  offloadFiltered(): boolean {
    return !this.closing && this.policy === 'always';
  }

  /** The live lane with the fewest searches in flight, or undefined when none is left. */
  pick(): L | undefined {
    if (this.closing) return undefined;
    let best: L | undefined;
    for (const l of this.lanes) if (l.alive && (best === undefined || l.busy < best.busy)) best = l;
    return best;
  }

  /**
   * The live lane with the least work of both kinds (searches and build shares in flight), for a build share: the
   * shares of one batch spread over the lanes. Undefined when none is left.
   */
  pickPlanner(): L | undefined {
    if (this.closing) return undefined;
    let best: L | undefined;
    for (const l of this.lanes) if (l.alive && (best === undefined || l.busy + l.plans < best.busy + best.plans)) best = l;
    return best;
  }

  /**
   * What `lane` lacks of `target` before a search of it: `new` (never told of the graph: it needs the arena or the
   * codes, and the graph), `grown` (its graph arrays or codes were replaced since: it needs the graph and the
   * codes), or undefined. Marks the lane as told, so the caller must
   * send what it lacks ahead of (or with) the search.
   */
  attach(lane: L, target: SharedSearchTarget | SharedScanTarget): 'new' | 'grown' | undefined {
    this.register(target);
    const epoch = lane.known.get(target.key);
    if (epoch === target.epoch) return undefined;
    lane.known.set(target.key, target.epoch);
    return epoch === undefined ? 'new' : 'grown';
  }

  /**
   * A build share of `target` goes to `lane`: once the graph is garbage-collected the lane is told to forget it, as
   * for a graph it searched (its planner's walker holds the graph's arrays and a reader of its rows).
   */
  notePlan(lane: L, target: SharedSearchTarget): void {
    this.register(target);
    lane.planKeys.add(target.key);
  }

  private register(target: SharedSearchTarget | SharedScanTarget): void {
    if (this.registered.has(target.key)) return;
    this.registered.add(target.key);
    // Either going ends the pair (forgetting twice is harmless).
    this.gone.register(target.index, target.key);
    if ('ranker' in target && target.ranker !== undefined) this.gone.register(target.ranker, target.key);
  }

  /**
   * A search on `lane`: `queue(id)` puts the request in the lane's own outbox (the platform's format), and the
   * outboxes leave at the end of the turn. Resolves to the answer `settle` receives for `id`.
   */
  enqueue(lane: L, queue: (id: number) => void): Promise<ScoredIds | undefined> {
    const id = this.nextId++;
    queue(id);
    return new Promise((resolve) => {
      this.waiting.set(id, { lane, resolve });
      if (lane.busy++ === 0) this.transport.active?.(lane, true);
      lane.queued++;
      this.schedule();
    });
  }

  /** The answer for search `id` (undefined: walk it in-thread); a search already settled is ignored. */
  settle(id: number, found: ScoredIds | undefined): void {
    const w = this.waiting.get(id);
    if (w === undefined) return;
    this.waiting.delete(id);
    if (found !== undefined) this.answered++;
    if (--w.lane.busy === 0 && w.lane.alive) this.transport.active?.(w.lane, false);
    w.resolve(found);
  }

  /** `lane` stopped (crashed, script failed): it takes no more searches and its own settle undefined. False if it already had. */
  fail(lane: L): boolean {
    if (!lane.alive) return false;
    lane.alive = false;
    for (const [id, w] of this.waiting) if (w.lane === lane) this.settle(id, undefined);
    return true;
  }

  /** Settles every search in flight undefined and stops the lanes. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const id of [...this.waiting.keys()]) this.settle(id, undefined);
    await Promise.all(this.lanes.map((l) => ((l.alive = false), this.transport.stop(l))));
  }

  private schedule(): void {
    if (this.flushing) return;
    this.flushing = true;
    this.transport.defer(() => this.flush());
  }

  private flush(): void {
    this.flushing = false;
    this.ownerTook = false;
    for (const l of this.lanes) {
      if (l.queued === 0) continue;
      l.queued = 0;
      this.transport.send(l);
    }
  }

  /** A graph was garbage-collected: lanes that searched or planned it drop their walkers of it. */
  private forget(key: number): void {
    this.registered.delete(key);
    for (const l of this.lanes) {
      const searched = l.known.delete(key);
      const planned = l.planKeys.delete(key);
      if ((searched || planned) && l.alive) this.transport.forget(l, key);
    }
  }
}
