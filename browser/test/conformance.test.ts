import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedClient, SextantError } from '@sextant/core';
import { run, startHarness, type Harness } from './support/chromium-harness.js';
import { conformanceScript, type Outcome } from './support/conformance-script.js';

/** The reference: the same script on the embedded client in Node, serialized the way the page serializes. */
async function embeddedOutcomes(): Promise<Outcome[]> {
  const client = (await createEmbeddedClient()) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const outcomes: Outcome[] = [];
  for (const [method, ...args] of conformanceScript()) {
    try {
      outcomes.push({ ok: true, value: await client[method]!(...args) });
    } catch (e) {
      const err = e as SextantError;
      outcomes.push({
        ok: false,
        error: { isClass: e instanceof SextantError, name: err.name, code: err.code, status: err.status, message: err.message },
      });
    }
  }
  // The page's answers crossed the worker boundary by structured clone, which leaves vectors plain arrays of their
  // float32 values (the engine's arrays print those as Qdrant's short decimals in JSON): clone the same way first.
  return JSON.parse(JSON.stringify(structuredClone(outcomes))) as Outcome[];
}

describe('browser client conformance (Chromium vs embedded)', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness('db-scenarios.ts');
  }, 60_000);
  afterAll(async () => harness?.close());

  it('answers every call of the script exactly as the embedded client does', async () => {
    const page = await harness.newPage();
    const browser = JSON.parse(await run<string>(page, 'conformance', 'conformance')) as Outcome[];
    const expected = await embeddedOutcomes();
    const script = conformanceScript();
    expect(browser).toHaveLength(script.length);
    // The script must exercise failures too, or it would not show that errors cross the worker intact.
    expect(expected.filter((o) => !o.ok).length).toBeGreaterThanOrEqual(3);
    for (let i = 0; i < script.length; i++) {
      expect({ call: script[i]![0], index: i, outcome: browser[i] }).toEqual({ call: script[i]![0], index: i, outcome: expected[i] });
    }
  });
});
