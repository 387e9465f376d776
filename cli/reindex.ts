import { Lifecycle } from '@gochat/lifecycle';
import { createLogger, createMetricsRegistry } from '@gochat/log';
import type { RebuildScope } from '@gochat/search';

import { connectInfrastructure } from './infrastructure.ts';
import type { LoadedConfig } from './load-config.ts';
import { SelectionError } from './selection.ts';

/** `--guild ID`, `--channel ID` or nothing (everything), and `--page-size N`. */
export function parseReindexArgs(args: readonly string[]): { scope: RebuildScope; pageSize?: number } {
  let scope: RebuildScope = { kind: 'all' };
  let pageSize: number | undefined;
  const value = (i: number, flag: string) => {
    const v = args[i + 1];
    if (!v || !/^\d{1,19}$/.test(v)) throw new SelectionError(`${flag} needs a numeric id`);
    return v;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--guild') scope = { kind: 'guild', guildId: value(i++, '--guild') };
    else if (arg === '--channel') scope = { kind: 'channel', channelId: value(i++, '--channel') };
    else if (arg === '--page-size') pageSize = Number(value(i++, '--page-size'));
    else throw new SelectionError(`Unknown reindex option "${arg}". Use --guild ID or --channel ID.`);
  }
  return { scope, ...(pageSize ? { pageSize } : {}) };
}

/**
 * `gochat reindex [--guild ID | --channel ID]`: rebuilds the search index from the message store while
 * everything keeps running; a killed run resumes when started again (workers/indexer/reindex.ts).
 */
export async function reindexCommand(config: LoadedConfig, args: readonly string[]): Promise<void> {
  const { scope, pageSize } = parseReindexArgs(args);
  const log = createLogger({ level: config.host.log.level, role: 'reindex' });
  const lifecycle = new Lifecycle(log, config.host.shutdown.timeoutMs);
  const infra = await connectInfrastructure(config.host, ['database', 'timeline', 'search'], {
    log,
    metrics: createMetricsRegistry({ defaultMetrics: false }),
    lifecycle,
  });
  try {
    const { database, timeline, search } = infra.require('database', 'timeline', 'search');
    const { reindex } = await import('../workers/indexer/reindex.ts');
    const { written, resumed } = await reindex({ db: database, timeline, index: search, log }, scope, {
      pageSize,
    });
    console.log(`reindex: ${written} messages indexed${resumed ? ' (resumed)' : ''}`);
  } finally {
    await lifecycle.shutdown('reindex finished');
  }
}
