import type { Database } from '@gochat/db';
import { snowflakeTime } from '@gochat/ids';
import type { MessageTimeline, TimelineMessage } from '@gochat/message-store';
import { hasKindsOf, type SearchDocument } from '@gochat/search';

import { pinnedAmong } from './store.ts';

/** A message as the index holds it; version: the edit time, else the creation time. */
export function toDocument(message: TimelineMessage, pinned: boolean): SearchDocument {
  return {
    id: message.id,
    guildId: message.guildId,
    channelId: message.channelId,
    parentChannelId: message.parentChannelId,
    authorId: message.authorId,
    content: message.content,
    mentions: {
      users: message.mentions.users,
      roles: message.mentions.roles,
      everyone: message.mentions.everyone || message.mentions.here,
    },
    has: hasKindsOf(message.content, message.attachments),
    pinned,
    version: (message.editedAt ?? snowflakeTime(message.id)).getTime(),
  };
}

/** The messages' documents, read from the store as they are now (pins from the database). */
export async function documentsOf(
  db: Database,
  messages: readonly TimelineMessage[],
): Promise<SearchDocument[]> {
  const pinned = await pinnedAmong(
    db,
    messages.map((m) => m.id),
  );
  return messages.map((m) => toDocument(m, pinned.has(m.id)));
}

/**
 * Reads the current state of these messages, by container: the ones found become documents, the
 * ones gone from the store are returned to be tombstoned.
 */
export async function currentDocuments(
  db: Database,
  timeline: MessageTimeline,
  wanted: readonly { channelId: string; messageId: string; guildId: string | null }[],
): Promise<{ found: SearchDocument[]; gone: { id: string; guildId: string | null }[] }> {
  const byChannel = new Map<string, Set<string>>();
  for (const w of wanted)
    byChannel.set(w.channelId, (byChannel.get(w.channelId) ?? new Set()).add(w.messageId));
  const read = (
    await Promise.all([...byChannel].map(([channelId, ids]) => timeline.get(channelId, [...ids])))
  ).flat();
  const found = await documentsOf(db, read);
  const present = new Set(read.map((m) => m.id));
  const gone = wanted
    .filter((w) => !present.has(w.messageId))
    .map((w) => ({ id: w.messageId, guildId: w.guildId }));
  return { found, gone };
}
