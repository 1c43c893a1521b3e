/**
 * What a caller may do, in Qdrant's RBAC terms. The full API key is global manage (`m`), the read-only key global
 * read (`r`); a JWT can also grant per-collection read (`r`) or read-write (`rw`). Manage rights (creating,
 * changing or deleting collections, aliases, snapshot recovery, cluster calls) exist only globally.
 */
export type Access = { global: 'r' | 'm' } | { collections: ReadonlyMap<string, 'r' | 'rw'> };

export const FULL_ACCESS: Access = { global: 'm' };
export const READ_ONLY_ACCESS: Access = { global: 'r' };

/** What an operation needs: on the whole server, or on one collection; to read, write, or manage. */
export interface Requirement {
  /** Any authenticated caller may run it (lists that are then filtered to what the caller may read). */
  anyAccess?: boolean;
  collection?: string | undefined;
  write?: boolean;
  manage?: boolean;
}

/** Undefined when allowed, else the reason in Qdrant's words (answered with 403). */
export function checkAccess(access: Access, need: Requirement): string | undefined {
  if (need.anyAccess) return undefined;
  if ('global' in access) {
    if ((need.write || need.manage) && access.global === 'r') return 'Global manage access is required';
    return undefined;
  }
  if (need.manage) return 'Manage access for this operation is required';
  if (need.collection === undefined) return 'Global access is required';
  const mode = access.collections.get(need.collection);
  if (mode === undefined) return `Access to collection ${need.collection} is required`;
  if (need.write && mode !== 'rw') return `Write access to collection ${need.collection} is required`;
  return undefined;
}

/** Collections a caller may read, for filtering lists; undefined = all of them. */
export function readableCollections(access: Access): ReadonlySet<string> | undefined {
  return 'global' in access ? undefined : new Set(access.collections.keys());
}

/**
 * The `access` claim of a JWT. Absent: full access, as Qdrant. Returns an error message for what Qdrant's
 * validation refuses: unknown modes, a collection listed twice, and the `payload` restriction Qdrant retired in 1.16.
 */
export function parseAccess(raw: unknown): Access | string {
  if (raw === undefined || raw === null) return FULL_ACCESS;
  if (raw === 'r' || raw === 'm') return { global: raw };
  if (!Array.isArray(raw)) return 'access: unknown access mode, expected `r`, `m` or a list of collections';
  const collections = new Map<string, 'r' | 'rw'>();
  for (const item of raw) {
    if (typeof item !== 'object' || item === null) return 'access: expected {collection, access}';
    const { collection, access, payload } = item as Record<string, unknown>;
    if (typeof collection !== 'string' || (access !== 'r' && access !== 'rw')) return 'access: expected {collection, access: "r" | "rw"}';
    if (payload !== undefined && payload !== null) return `access: payload restrictions are not supported (collection ${collection})`;
    if (collections.has(collection)) return 'access: Collection name should be unique';
    collections.set(collection, access);
  }
  return { collections };
}
