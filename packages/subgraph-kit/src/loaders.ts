import DataLoader from 'dataloader';

/**
 * A per-request DataLoader over a batch fetch by id: the gateway resolves every entity
 * representation separately, duplicates included, so this keeps it to one query per batch.
 */
export function loaderById<T extends { id: string }>(
  fetchRows: (ids: readonly string[]) => Promise<T[]>,
): DataLoader<string, T | undefined> {
  return new DataLoader(async (ids: readonly string[]) => {
    const rows = new Map((await fetchRows(ids)).map((row) => [row.id, row]));
    return ids.map((id) => rows.get(id));
  });
}
