import { SextantError } from '@sextant/core';

/**
 * Turns what IndexedDB throws into a `SextantError` that says what to do. A quota failure aborts its transaction,
 * so nothing of the failed write was stored: the message says so, and the data already there is intact.
 */
export function storageError(error: unknown, doing: string): SextantError {
  if (error instanceof SextantError) return error;
  const name = error instanceof Error || isDomException(error) ? (error as { name: string }).name : '';
  const detail = error instanceof Error || isDomException(error) ? (error as { message: string }).message : String(error);
  if (name === 'QuotaExceededError') {
    return new SextantError(
      'storage_full',
      `Storage full: the browser refused to ${doing}: this site's IndexedDB quota is used up. Nothing of this write ` +
        'was stored and earlier data is intact; free space (delete points or collections) or ask for persistent ' +
        'storage with requestPersistence().',
    );
  }
  if (name === 'InvalidStateError' || name === 'AbortError' || name === 'VersionError') {
    return new SextantError('unavailable', `Storage unavailable: could not ${doing}: ${name}: ${detail}`);
  }
  return new SextantError('internal', `Storage error: could not ${doing}: ${name ? `${name}: ` : ''}${detail}`);
}

function isDomException(value: unknown): boolean {
  return typeof DOMException !== 'undefined' && value instanceof DOMException;
}
