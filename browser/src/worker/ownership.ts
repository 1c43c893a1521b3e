/**
 * Which worker of a database writes it: the one holding the Web Lock `sextant/<name>`. Every worker of the database
 * queues for the lock when it starts; the browser grants it to one at a time and releases it when that worker
 * closes it or dies with its tab, so the next in the queue takes over without any heartbeat of ours.
 *
 * Without Web Locks (an insecure context, very old browsers) every worker owns its database: correct for one tab,
 * and the reason `openDatabase` should be used from https or localhost.
 */
export interface Ownership {
  /** Gives the lock up, or leaves the queue if it was not granted yet. */
  release(): void;
}

export function claimOwnership(
  lockName: string,
  /** Runs once the lock is granted; the lock is held until `release()` or until it rejects. */
  onGranted: () => Promise<void>,
  /** Told when `onGranted` failed, since nobody awaits the lock request itself. */
  onFailed: (error: unknown) => void,
): Ownership {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  let releaseHeld: (() => void) | undefined;
  let released = false;
  const held = new Promise<void>((resolve) => (releaseHeld = resolve));

  const whileHeld = async (): Promise<void> => {
    if (released) return;
    await onGranted();
    await held;
  };

  if (!locks) {
    whileHeld().catch(onFailed);
    return { release: () => ((released = true), releaseHeld?.()) };
  }

  const abort = new AbortController();
  locks.request(lockName, { signal: abort.signal }, whileHeld).catch((error: unknown) => {
    // Leaving the queue rejects the request with AbortError: that is the release we asked for, not a failure.
    if (!(released && error instanceof DOMException && error.name === 'AbortError')) onFailed(error);
  });
  return {
    release() {
      released = true;
      abort.abort();
      releaseHeld?.();
    },
  };
}
