/**
 * Bounded work in flight on the gRPC port, as REST bounds it (rest/back-pressure.ts): past `max` calls being worked
 * on at once, a new call is answered RESOURCE_EXHAUSTED at once instead of queueing without bound. Health checks
 * are never refused, so a busy server is not mistaken for a dead one.
 *
 * Invariant: every admitted call releases its slot exactly once, when its handler's work ends, not when its answer
 * is sent: a call answered DEADLINE_EXCEEDED or cancelled by its client still occupies the engine until it
 * returns, and counting it keeps the bound true of the work rather than of the answers.
 */
export const DEFAULT_GRPC_MAX_IN_FLIGHT = 512;

export class InFlightLimit {
  private current = 0;
  private refusedCount = 0;

  constructor(readonly max = DEFAULT_GRPC_MAX_IN_FLIGHT) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxInFlight must be a positive integer, got ${max}`);
  }

  /** Calls being worked on now. */
  get inFlight(): number {
    return this.current;
  }

  /** Calls refused since the start. */
  get refused(): number {
    return this.refusedCount;
  }

  /** Takes a slot; false (and counted as refused) when all are taken. */
  tryAcquire(): boolean {
    if (this.current >= this.max) {
      this.refusedCount++;
      return false;
    }
    this.current++;
    return true;
  }

  release(): void {
    this.current--;
  }
}
