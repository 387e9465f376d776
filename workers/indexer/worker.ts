import type { Database } from '@gochat/db';
import { subjects } from '@gochat/events';
import type { MessageTimeline } from '@gochat/message-store';
import type { SearchIndex } from '@gochat/search';

import { defineWorker, type Delivered } from '../harness/index.ts';
import { currentDocuments } from './documents.ts';

export const INDEXER = 'indexer';

const INDEXED = [
  'MessageCreated',
  'MessageUpdated',
  'ChannelPinsUpdated',
  'MessageDeleted',
  'MessagesBulkDeleted',
  'ChannelDeleted',
  'GuildDeleted',
] as const;
type Indexed = (typeof INDEXED)[number];

export interface IndexerDeps {
  db: Database;
  timeline: MessageTimeline;
  index: SearchIndex;
}

/** What a batch asks of the index, gathered so each kind of write is one bulk request. */
export function plan(batch: readonly Delivered<Indexed>[]) {
  const refresh: { channelId: string; messageId: string; guildId: string | null }[] = [];
  const removed: { id: string; guildId: string | null }[] = [];
  const channels: { channelId: string; guildId: string }[] = [];
  const guilds: string[] = [];
  for (const { event } of batch) {
    switch (event.type) {
      case 'MessageCreated':
      case 'MessageUpdated':
      case 'ChannelPinsUpdated':
        refresh.push({
          channelId: event.data.channelId,
          messageId: event.data.messageId,
          guildId: event.data.guildId,
        });
        break;
      case 'MessageDeleted':
        removed.push({ id: event.data.messageId, guildId: event.data.guildId });
        break;
      case 'MessagesBulkDeleted':
        for (const id of event.data.messageIds) removed.push({ id, guildId: event.data.guildId });
        break;
      case 'ChannelDeleted':
        channels.push({ channelId: event.data.channelId, guildId: event.data.guildId });
        break;
      case 'GuildDeleted':
        guilds.push(event.data.guildId);
        break;
    }
  }
  return { refresh, removed, channels, guilds };
}

/**
 * Keeps the search index in step with the message store. Events only say which messages changed:
 * the worker reads their current state from the store, so redeliveries, reordering and several
 * indexer processes racing all write the latest content (versions settle the rest, and a message
 * gone from the store becomes a tombstone). One bulk upsert and one bulk removal per batch.
 */
export function createIndexer(deps: IndexerDeps) {
  return defineWorker<Indexed>({
    name: INDEXER,
    subjects: [subjects.channelMessages('*', '*'), subjects.guild('*')],
    events: INDEXED,
    // A new indexer catches up on everything the bus still holds; older messages come from `gochat reindex`.
    startAt: 'all',
    async handleBatch(batch) {
      const { refresh, removed, channels, guilds } = plan(batch);
      const { found, gone } = await currentDocuments(deps.db, deps.timeline, refresh);
      await deps.index.upsert(found);
      await deps.index.remove([...removed, ...gone]);
      for (const { channelId, guildId } of channels) await deps.index.removeChannel(channelId, guildId);
      for (const guildId of guilds) await deps.index.removeGuild(guildId);
    },
  });
}
