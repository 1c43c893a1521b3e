// Runs inside Chromium (bundled by the harness). Each export returns plain data that the node-side test asserts on.
import { IdbStorage, SextantError } from '@sextant/browser';

const enc = new TextEncoder();
const dec = new TextDecoder();
const text = (bytes: Uint8Array | undefined) => (bytes === undefined ? null : dec.decode(bytes));

/** Deterministic bytes, so a large blob can be checked without sending it back. */
function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (!a || a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

export async function basics(db: string) {
  const s = await IdbStorage.open(db);
  await s.write('c/a/config', enc.encode('{"v":1}'));
  await s.write('c/a/config', enc.encode('{"v":2}'));
  await s.append('c/a/wal', enc.encode('one,'));
  await s.append('c/a/wal', enc.encode('two,'));
  await s.append('c/a/wal', enc.encode('three'));
  await s.write('c/b/empty', new Uint8Array(0));
  await s.write('other', enc.encode('x'));
  const afterWrites = {
    config: text(await s.read('c/a/config')),
    wal: text(await s.read('c/a/wal')),
    empty: (await s.read('c/b/empty'))?.byteLength ?? null,
    missing: text(await s.read('c/nope')),
    listC: await s.list('c/'),
    listAll: await s.list(''),
  };
  // A write after appends replaces every chunk; an append after a write lands after it.
  await s.write('c/a/wal', enc.encode('fresh|'));
  await s.append('c/a/wal', enc.encode('next'));
  const rewritten = text(await s.read('c/a/wal'));
  await s.delete('c/a/config');
  await s.delete('never-existed');
  const afterDelete = { config: text(await s.read('c/a/config')), listC: await s.list('c/') };
  await s.close();
  return { afterWrites, rewritten, afterDelete };
}

/** Appends issued without awaiting each other still apply in call order. */
export async function concurrentAppends(db: string, count: number) {
  const s = await IdbStorage.open(db);
  const pending: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    if (i === count / 2) pending.push(s.write('log', enc.encode(`W`)));
    pending.push(s.append('log', enc.encode(`${i};`)));
  }
  await Promise.all(pending);
  const log = text(await s.read('log'));
  await s.close();
  return log;
}

/** A view over a larger buffer stores only its own bytes; the caller may reuse its buffer right after. */
export async function viewsAndReuse(db: string) {
  const s = await IdbStorage.open(db);
  const arena = enc.encode('0123456789');
  await s.write('view', arena.subarray(3, 6));
  const buffer = enc.encode('aaaa');
  const appended = s.append('reuse', buffer);
  buffer.fill(98); // 'b'
  await appended;
  const result = { view: text(await s.read('view')), reuse: text(await s.read('reuse')) };
  await s.close();
  return result;
}

/** A blob larger than one record is split and read back whole, bit for bit. */
export async function largeBlob(db: string, length: number) {
  const s = await IdbStorage.open(db);
  const bytes = pattern(length, 7);
  await s.write('big', bytes);
  await s.append('big', pattern(1000, 9));
  await s.sync();
  const back = await s.read('big');
  const expected = new Uint8Array(length + 1000);
  expected.set(bytes, 0);
  expected.set(pattern(1000, 9), length);
  const ok = sameBytes(back, expected);
  await s.close();
  return { ok, length: back?.byteLength ?? 0, chunkBytes: IdbStorage.chunkBytes };
}

/** Writes, syncs and closes nothing: the page is reloaded right after, as a user closing a tab would. */
export async function writeAndSync(db: string) {
  const s = await IdbStorage.open(db);
  await s.write('segment', pattern(100_000, 3));
  await s.append('wal', enc.encode('a'));
  await s.append('wal', enc.encode('b'));
  await s.sync();
  return 'synced';
}

export async function readAfterReload(db: string) {
  const s = await IdbStorage.open(db);
  const segmentOk = sameBytes(await s.read('segment'), pattern(100_000, 3));
  const wal = text(await s.read('wal'));
  // The seq counter must continue after the reopened records, not restart under them.
  await s.append('wal', enc.encode('c'));
  const walAfter = text(await s.read('wal'));
  const names = await s.list('');
  await s.close();
  return { segmentOk, wal, walAfter, names };
}

/** Called while the origin's quota is tiny: the big write must fail as storage_full and change nothing. */
export async function quotaFailure(db: string, bigBytes: number) {
  const s = await IdbStorage.open(db);
  await s.write('keep', enc.encode('before'));
  await s.append('log', enc.encode('1;'));
  let error: { name: string; code: string; status: number; message: string; isClass: boolean } | null = null;
  try {
    await s.write('keep', pattern(bigBytes, 5));
  } catch (e) {
    const err = e as SextantError;
    error = { name: err.name, code: err.code, status: err.status, message: err.message, isClass: e instanceof SextantError };
  }
  let appendError: string | null = null;
  try {
    await s.append('log', pattern(bigBytes, 6));
  } catch (e) {
    appendError = (e as SextantError).code;
  }
  const keep = text(await s.read('keep'));
  await s.close();
  return { error, appendError, keep };
}

/** After the quota is lifted, the same storage keeps working and keeps its order. */
export async function afterQuota(db: string) {
  const s = await IdbStorage.open(db);
  await s.append('log', enc.encode('2;'));
  const result = { keep: text(await s.read('keep')), log: text(await s.read('log')) };
  await s.close();
  return result;
}

export async function destroy(db: string) {
  await IdbStorage.destroy(db);
  const s = await IdbStorage.open(db);
  const names = await s.list('');
  await s.close();
  return names;
}

/**
 * A write that throws halfway (here: copying its second record fails) commits nothing: the delete of the old chunks
 * and the first new record were already queued in the transaction and must be rolled back with it.
 */
export async function failedWriteKeepsOld(db: string) {
  const s = await IdbStorage.open(db);
  await s.write('blob', enc.encode('old'));
  const bytes = new Uint8Array(IdbStorage.chunkBytes + 10);
  let copies = 0;
  bytes.slice = function (this: Uint8Array, ...args: [number?, number?]) {
    if (++copies === 2) throw new Error('copy failed');
    return Uint8Array.prototype.slice.apply(this, args);
  };
  let code: string | null = null;
  try {
    await s.write('blob', bytes);
  } catch (e) {
    code = (e as SextantError).code;
  }
  const after = text(await s.read('blob'));
  await s.close();
  return { code, after, copies };
}
