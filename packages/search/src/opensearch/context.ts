import type { Client } from '@opensearch-project/opensearch';

import type { SearchLog } from './errors.ts';
import type { IndexShape } from './mapping.ts';
import type { IndexNames } from './names.ts';

/** What the modules of the OpenSearch index share. */
export interface Context {
  client: Client;
  names: IndexNames;
  shape: IndexShape;
  log: SearchLog;
  /** Per-write refresh (bulk `refresh`); delete_by_query only knows true/false, so wait_for is true there. */
  refresh: boolean | 'wait_for';
  /** Longest a writer trusts what it last saw of the building alias. */
  aliasCheckIntervalMs: number;
  /** Request timeout of long server-side jobs (delete_by_query, _reindex), which run to completion. */
  maintenanceTimeoutMs: number;
}

/** Aliases (or index names) the alias points at; empty when it does not exist. */
export async function aliasIndices(context: Context, alias: string): Promise<string[]> {
  const response = await context.client.indices.getAlias({ name: alias }, { ignore: [404] });
  if (response.statusCode === 404) return [];
  return Object.keys(response.body);
}
