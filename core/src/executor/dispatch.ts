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
}

/** What a platform does for the dispatch: only the moving of messages, never bookkeeping. */
export interface LaneTransport<L extends DispatchLane> {
  /**
   * Sends what `lane` queued in this turn as one message. Called for every lane with `queued > 0`, a failed one too:
   * it must then drop its outbox unsent (the dispatch already settled those searches undefined).
   */
  send(lane: L): void;
  /** Tells `lane` that graph `key` was garbage-collected, so it drops its walker of it. */
  forget(lane: L, key: number): void;
  /**
   * Runs `flush` once the current turn has queued all it will: a macrotask after the ones already waiting (Node's
   * `setImmediate`, a MessageChannel message in a browser), so requests that arrived together (one per socket read,
   * one per message event) are one turn, which is what the `busy` policy reads as load.
   */
  defer(flush: () => void): void;
  /**
   * Which searches read as arriving together with one the owner answered itself, so that the `busy` policy sends
   * them to lanes:
   * - `turn` (the default): every search asked before `defer`'s flush. For a platform whose requests arrive as
   *   separate tasks of one turn (a browser worker's message events), which nothing else counts;
   * - `run`: only those asked before the microtasks already queued at that answer ran: the rest of a synchronous run
   *   (a Promise.all, a batch) and callers woken in the same wave. A caller that awaits one search and then asks the
   *   next asks it after them, so it is answered in-thread again. For a platform whose concurrent requests are
   *   counted by `ownerLoad` (a server's sockets) and whose embedded callers await in one task: under `turn` such a
   *   caller's searches alternated between in-thread and a hop (half hopped; 20k x 128, one in-process client:
   *   3,010 q/s threads on against 6,224 off).
   */
  together?: 'turn' | 'run';
  /** `lane` has its first search in flight (`true`) or its last one settled (`false`): Node refs / unrefs. */
  active?(lane: L, busy: boolean): void;
  /** Stops the lane's thread (at close). */
  stop(lane: L): Promise<void> | void;
}

/**
 * When a search hops to a thread:
 * - `always`: every search that can;
 * - `busy`: only when the owner already has work: a search in flight on a thread, one queued in this turn, or one it
 *   answered itself that arrived together with this one (`LaneTransport.together`), or (with `ownerLoad`) while the
 *   owner is handling other requests too. A lone search is answered in-thread, so it never pays the two thread hops
 *   (the bench's one-client rows: 0.13 ms in-thread against 0.32 ms threaded at p50), and neither does each of a
 *   caller's searches awaited one after another.
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
  /**
   * The owner answered a search itself and later ones read as arriving together with it (see `offloadNow`): reset at
   * the end of the turn, or under `together: 'run'` once the microtasks queued before that answer ran.
   */
  private ownerTook = false;
  private readonly release = (): void => {
    this.ownerTook = false;
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
    if (this.policy === 'always' || this.waiting.size > 0 || this.ownerTook) return true;
    if (this.ownerLoad !== undefined && this.ownerLoad() > 1) return true;
    this.ownerTook = true;
    // Queued behind the microtasks already waiting (other callers woken with this one), ahead of this answer's own
    // delivery: the caller that awaits it asks its next search with the flag down.
    if (this.transport.together === 'run') void Promise.resolve().then(this.release);
    else this.schedule();
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
    if (!this.registered.has(target.key)) {
      this.registered.add(target.key);
      // Either going ends the pair (forgetting twice is harmless).
      this.gone.register(target.index, target.key);
      if ('ranker' in target && target.ranker !== undefined) this.gone.register(target.ranker, target.key);
    }
    const epoch = lane.known.get(target.key);
    if (epoch === target.epoch) return undefined;
    lane.known.set(target.key, target.epoch);
    return epoch === undefined ? 'new' : 'grown';
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

  /** A graph was garbage-collected: lanes drop their walkers of it. */
  private forget(key: number): void {
    this.registered.delete(key);
    for (const l of this.lanes) {
      if (!l.known.delete(key) || !l.alive) continue;
      this.transport.forget(l, key);
    }
  }
}
