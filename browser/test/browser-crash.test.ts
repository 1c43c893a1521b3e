import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { run, startHarness, type Harness } from './support/chromium-harness.js';

/**
 * Starts Chromium ourselves on a profile folder, so that the test can kill exactly this process (SIGKILL, no
 * shutdown of any kind) and start a new one on the same profile. This shows that an acknowledged write was
 * committed to IndexedDB, not held in the worker or the page; surviving a power cut also needs the strict-durability
 * flush of `IdbStorage.sync()`, which no test on a running OS can observe.
 */
async function startChromium(profile: string): Promise<{ child: ChildProcess; endpoint: string }> {
  const child = spawn(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--remote-debugging-port=0',
    `--user-data-dir=${profile}`,
    'about:blank',
  ]);
  const endpoint = await new Promise<string>((resolve, reject) => {
    let seen = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(seen);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`chromium exited early (${code}): ${seen.slice(-500)}`)));
  });
  return { child, endpoint };
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describe('durability across a browser crash (Chromium)', () => {
  let harness: Harness;
  let profile: string;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    harness = await startHarness('db-scenarios.ts');
    profile = await mkdtemp(path.join(tmpdir(), 'sextant-profile-'));
  }, 60_000);
  afterAll(async () => {
    for (const child of children) await kill(child);
    await harness?.close();
    await rm(profile, { recursive: true, force: true });
  });

  it('keeps every write acknowledged with wait: true when the browser is killed', { timeout: 120_000 }, async () => {
    // 1. Write and wait for the acknowledgements, then kill the whole browser at once.
    const first = await startChromium(profile);
    children.push(first.child);
    const browser1 = await chromium.connectOverCDP(first.endpoint);
    const page1 = await browser1.contexts()[0]!.newPage();
    await page1.goto(`${harness.origin}/`);
    await page1.waitForFunction('window.scenariosReady === true');
    const acked = await run<number>(page1, 'ackedWrites', 'crash', 'c', 20, 32);
    await kill(first.child);

    // 2. A new browser on the same profile finds every acknowledged point.
    const second = await startChromium(profile);
    children.push(second.child);
    const browser2 = await chromium.connectOverCDP(second.endpoint);
    const page2 = await browser2.contexts()[0]!.newPage();
    await page2.goto(`${harness.origin}/`);
    await page2.waitForFunction('window.scenariosReady === true');
    expect(acked).toBe(2000);
    expect(await run(page2, 'countPoints', 'crash', 'c')).toBe(2000);
    await browser2.close();
  });
});
