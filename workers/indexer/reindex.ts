import type { Database } from '@gochat/db';
import type { Logger } from '@gochat/log';
import type { MessageTimeline } from '@gochat/message-store';
import type { RebuildScope, SearchIndex } from '@gochat/search';

import { documentsOf } from './documents.ts';
import { containersOf, finishRun, readRun, saveRun, startRun, type ReindexPosition } from './store.ts';

export interface ReindexDeps {
  db: Database;
  timeline: MessageTimeline;
  index: SearchIndex;
  log: Logger;
}

/** The history page size the message store allows. */
const MAX_PAGE = 100;

export const scopeKey = (scope: RebuildScope): string =>
  scope.kind === 'all'
    ? 'all'
    : scope.kind === 'guild'
      ? `guild:${scope.guildId}`
      : `channel:${scope.channelId}`;

/**
 * `gochat reindex`: rebuilds the search index of a scope from the message store, page by page,
 * recording its position after every page so a killed run resumes where it stopped (running the same
 * scope again resumes; a finished run starts over). Searches keep answering meanwhile: the index
 * rebuilds behind them (PostgreSQL: in place, dropping what the rebuild did not touch at the end;
 * OpenSearch: a new index behind the alias for a full rebuild). Returns the messages written.
 */
export async function reindex(
  deps: ReindexDeps,
  scope: RebuildScope,
  options: { pageSize?: number } = {},
): Promise<{ written: number; resumed: boolean }> {
  const { db, timeline, index, log } = deps;
  const pageSize = Math.min(Math.max(options.pageSize ?? MAX_PAGE, 1), MAX_PAGE);
  const key = scopeKey(scope);
  const previous = await readRun(db, key);
  const resumed = previous !== undefined && !previous.finished;
  let startedAt: Date;
  let position: ReindexPosition;
  if (resumed) {
    ({ startedAt, position } = previous);
    log.info({ scope: key, written: position.written, left: position.remaining.length }, 'reindex: resuming');
  } else {
    startedAt = new Date();
    position = { remaining: await containersOf(db, scope), before: null, written: 0 };
    await startRun(db, key, startedAt, position);
    log.info({ scope: key, containers: position.remaining.length }, 'reindex: started');
  }
  await index.beginRebuild(scope, startedAt);
  let loggedAt = Date.now();
  while (position.remaining.length > 0) {
    const container = position.remaining[0]!;
    const page = await timeline.history({
      channelId: container.id,
      limit: pageSize,
      ...(position.before ? { before: position.before } : {}),
    });
    if (page.length > 0) {
      await index.rebuildWrite(scope, startedAt, await documentsOf(db, page));
      position.before = page.at(-1)!.id;
      position.written += page.length;
    }
    if (page.length < pageSize) {
      position.remaining.shift();
      position.before = null;
    }
    await saveRun(db, key, position);
    if (Date.now() - loggedAt > 5_000) {
      loggedAt = Date.now();
      log.info(
        { scope: key, written: position.written, left: position.remaining.length },
        'reindex: progress',
      );
    }
  }
  await index.finishRebuild(scope, startedAt);
  await finishRun(db, key);
  log.info({ scope: key, written: position.written }, 'reindex: finished');
  return { written: position.written, resumed };
}
