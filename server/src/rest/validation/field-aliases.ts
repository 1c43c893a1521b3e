/**
 * Qdrant's request structs read `with_vectors` as another name for `with_vector` (serde `alias`: search, recommend,
 * discover, query, scroll and retrieve bodies, alone or in a batch's `searches`). The spec does not list the alias,
 * so the engine only ever sees `with_vector`: the alias is renamed here, in place, when the proper name is absent.
 */
export function renameFieldAliases(body: unknown): void {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return;
  const fields = body as Record<string, unknown>;
  renameWithVectors(fields);
  const batch = fields['searches'];
  if (Array.isArray(batch)) for (const item of batch) if (item !== null && typeof item === 'object') renameWithVectors(item as Record<string, unknown>);
}

function renameWithVectors(fields: Record<string, unknown>): void {
  if (!Object.hasOwn(fields, 'with_vectors')) return;
  if (fields['with_vector'] === undefined) fields['with_vector'] = fields['with_vectors'];
  delete fields['with_vectors'];
}
