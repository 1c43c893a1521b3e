import { SextantError } from '@sextant/core';

/**
 * Qdrant validates a collection name in the URL before it looks the collection up (CollectionPath: 1 to 255
 * characters, none of `<>:"/\|?*`, no control character), so a name no collection can have is a 422, not a 404 or
 * an `exists: false`. An empty name reaches here as `''` (`/collections//exists`).
 */
export function checkCollectionPath(params: Record<string, string> | undefined): void {
  const name = params?.['collection_name'];
  if (name === undefined) return;
  if (name.length === 0 || name.length > 255) throw invalid(`value ${JSON.stringify(name)} invalid, length must be from 1 to 255`);
  const bad = /[<>:"/\\|?*\u0000-\u001f\u007f]/u.exec(name);
  if (bad !== null) throw invalid(`collection name cannot contain ${JSON.stringify(bad[0])} char`);
}

function invalid(message: string): SextantError {
  return new SextantError('validation', `Validation error in path parameters: [name: ${message}]`);
}
