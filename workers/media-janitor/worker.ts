import type { BlobStore } from '@gochat/blob-store';
import type { Database } from '@gochat/db';
import { subjects } from '@gochat/events';
import type { Logger } from '@gochat/log';
import {
  forgetUploads,
  release,
  releaseExpired,
  releasedUploads,
  uploadObjectKeys,
  type ReleaseScope,
} from '@gochat/uploads';

import { defineWorker, type WorkerEvent } from '../harness/index.ts';

export const MEDIA_JANITOR = 'media-janitor';

/**
 * Events after whose commit uploads are no longer used (UserUpdated, GuildUpdated: a replaced avatar,
 * icon or banner; GuildMemberUpdated, GuildMemberRemoved: a replaced or left guild avatar).
 */
const RELEASING = [
  'MessageDeleted',
  'MessagesBulkDeleted',
  'ChannelDeleted',
  'GuildDeleted',
  'EmojiDeleted',
  'UserUpdated',
  'GuildUpdated',
  'GuildMemberUpdated',
  'GuildMemberRemoved',
] as const;
type Releasing = (typeof RELEASING)[number];

/** What an event released: uploads its writer did not already mark (the writers of the first five cannot see uploads). */
export function scopeOf(event: WorkerEvent<Releasing>): ReleaseScope | undefined {
  switch (event.type) {
    case 'MessageDeleted':
      return { messageIds: [event.data.messageId] };
    case 'MessagesBulkDeleted':
      return { messageIds: event.data.messageIds };
    case 'ChannelDeleted':
      return { channelId: event.data.channelId };
    case 'GuildDeleted':
      return { guildId: event.data.guildId };
    case 'EmojiDeleted':
      return { emojiId: event.data.emojiId };
    case 'UserUpdated':
    case 'GuildUpdated':
      return undefined; // the media subgraph released them in the same transaction
    case 'GuildMemberUpdated':
    case 'GuildMemberRemoved':
      return undefined; // the guilds subgraph released a replaced or left guild avatar likewise
  }
}

export interface JanitorDeps {
  db: Database;
  blob: BlobStore;
  log: Logger;
}

/** Objects deleted per round; a round repeats until nothing released is left. */
const BATCH = 100;

/**
 * Deletes the objects of released uploads, then forgets the rows: deleting an object twice is
 * harmless, so a crash between the two only repeats work. Returns how many uploads went.
 */
export async function purgeReleased(deps: JanitorDeps): Promise<number> {
  let total = 0;
  for (;;) {
    const batch = await releasedUploads(deps.db, BATCH);
    if (batch.length === 0) return total;
    await deps.blob.delete(batch.flatMap((u) => uploadObjectKeys(u.id, u.kind)));
    await forgetUploads(
      deps.db,
      batch.map((u) => u.id),
    );
    total += batch.length;
  }
}

/** The periodic half: uploads never completed (or refused) past their time are released and purged. */
export async function sweepExpired(deps: JanitorDeps, now = new Date()): Promise<number> {
  const expired = await releaseExpired(deps.db, now);
  const purged = await purgeReleased(deps);
  if (purged > 0) deps.log.info({ expired, purged }, 'media janitor: deleted unused uploads');
  return purged;
}

/**
 * Nothing orphaned: after the commit that made uploads unused (a message, channel, guild or emoji
 * deleted; an avatar, icon or banner replaced), their objects are deleted from the blob store. The
 * events come through a durable consumer, so a failure is retried and nothing is missed while down.
 */
export function createMediaJanitor(deps: JanitorDeps) {
  return defineWorker<Releasing>({
    name: MEDIA_JANITOR,
    subjects: [subjects.channelMessages('*', '*'), subjects.guild('*'), subjects.user('*')],
    events: RELEASING,
    async handle({ event }) {
      const scope = scopeOf(event);
      if (scope) await release(deps.db, scope);
      await purgeReleased(deps);
    },
  });
}
