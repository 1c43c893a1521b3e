import { describe, expect, it } from 'vitest';
import { LastTimings, timingLabel, type DemoCallTiming } from '../src/ui/call-timing.js';

const timing = (method: string, workerMs: number, roundTripMs: number): DemoCallTiming => ({
  method,
  collection: 'docs',
  workerMs,
  roundTripMs,
});

describe('the search time shown by the demo', () => {
  it('shows the worker time first and the round trip beside it', () => {
    expect(timingLabel('search', timing('query', 0.84, 1.92), 5)).toBe('search: 0.8 ms in the worker (1.9 ms round trip)');
    expect(timingLabel('list', timing('scroll', 0.02, 0.3), 5)).toBe('list: < 0.1 ms in the worker (0.3 ms round trip)');
  });

  it('says so when the SDK reports no worker time, showing the page-side time instead', () => {
    expect(timingLabel('search', undefined, 2.345)).toBe('search: 2.3 ms round trip (this SDK reports no worker time)');
    expect(timingLabel('search', timing('query', Number.NaN, 3), 2.345)).toBe(
      'search: 2.3 ms round trip (this SDK reports no worker time)',
    );
  });

  it('hands out the newest timing of a method once', () => {
    const last = new LastTimings();
    last.record(timing('query', 1, 2));
    last.record(timing('scroll', 3, 4));
    last.record(timing('query', 5, 6));
    expect(last.take('query')?.workerMs).toBe(5);
    expect(last.take('query')).toBeUndefined();
    expect(last.take('scroll')?.workerMs).toBe(3);
  });
});
