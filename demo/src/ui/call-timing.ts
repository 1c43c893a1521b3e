/** The browser SDK's `CallTiming`, as far as the demo reads it (see `db.onTiming` in the SDK). */
export interface DemoCallTiming {
  method: string;
  collection: string | undefined;
  /** The engine's own time for the call, in the worker that ran it. */
  workerMs: number;
  /** The page's view: call to reply, thread hops included. */
  roundTripMs: number;
}

/**
 * The newest timing of each method, taken once. The SDK reports a call's timing just before the call resolves, in
 * the same task, so right after `await db.query(...)` the newest 'query' timing is that call's. Taking clears it,
 * so a call that reported nothing (an SDK without timings) never shows an older call's time.
 */
export class LastTimings {
  private readonly byMethod = new Map<string, DemoCallTiming>();

  record(timing: DemoCallTiming): void {
    this.byMethod.set(timing.method, timing);
  }

  take(method: string): DemoCallTiming | undefined {
    const timing = this.byMethod.get(method);
    this.byMethod.delete(method);
    return timing;
  }
}

/**
 * "search: 0.8 ms in the worker (1.9 ms round trip)". Browsers give performance.now() in steps of 0.1 ms or finer,
 * so one decimal is all that is known, and a time under one step reads "< 0.1". Without a worker time (an SDK
 * that reports none) the label says only what the page measured, and says so.
 */
export function timingLabel(verb: string, timing: DemoCallTiming | undefined, pageMs: number): string {
  if (timing === undefined || !Number.isFinite(timing.workerMs)) {
    return `${verb}: ${ms(pageMs)} ms round trip (this SDK reports no worker time)`;
  }
  return `${verb}: ${ms(timing.workerMs)} ms in the worker (${ms(timing.roundTripMs)} ms round trip)`;
}

function ms(value: number): string {
  return value < 0.05 ? '< 0.1' : value.toFixed(1);
}
