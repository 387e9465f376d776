import type { Database } from '@gochat/db';
import { channelState } from '@gochat/drizzle';
import { and, eq, inArray } from 'drizzle-orm';

import type { MessageTimeline } from './port.ts';

/**
 * When a container's newest message was deleted, its last message falls back to the newest left, so
 * the container does not stay unread with nothing to read. Runs after commit, reading the timeline
 * (which ScyllaDB cannot do inside the transaction); conditional, so a send that raced ahead wins.
 */
export async function settleLastMessage(
  db: Database,
  timeline: MessageTimeline,
  channelId: string,
  deletedIds: readonly string[],
): Promise<void> {
  const [newest] = await timeline.history({ channelId, limit: 1 });
  await db
    .update(channelState)
    .set({ lastMessageId: newest?.id ?? null })
    .where(and(eq(channelState.channelId, channelId), inArray(channelState.lastMessageId, [...deletedIds])));
}
