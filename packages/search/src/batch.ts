/**
 * The newest write of each message in a batch: one statement (PostgreSQL) or one bulk request
 * (OpenSearch) then touches each id once. Equal versions keep the later write.
 */
export function newestById<T extends { id: string; version: number }>(docs: readonly T[]): T[] {
  const byId = new Map<string, T>();
  for (const doc of docs) {
    const seen = byId.get(doc.id);
    if (!seen || doc.version >= seen.version) byId.set(doc.id, doc);
  }
  return [...byId.values()];
}
