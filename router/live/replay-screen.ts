import { DomainError } from '@gochat/errors';
import type { EventOf, EventType } from '@gochat/events';
import { parse } from 'graphql';

import type { Principal } from '../principal.ts';
import { governingChannel } from './access-events.ts';
import type { LiveEvent } from './event.ts';
import type { Runner } from './runner.ts';

/** Message events that show what was said or done to messages: history, for a replay. */
const HISTORY_EVENTS: ReadonlySet<EventType> = new Set<EventType>([
  'MessageCreated',
  'MessageUpdated',
  'MessageEmbedsUpdated',
  'MessageDeleted',
  'MessagesBulkDeleted',
  'ReactionAdded',
  'ReactionRemoved',
  'ChannelPinsUpdated',
]);
const isHistory = (event: LiveEvent) => HISTORY_EVENTS.has(event.type);

/** Those that carry a message's content (or its embeds): replayed only while the message still exists. */
const carriesContent = (
  event: LiveEvent,
): event is LiveEvent & EventOf<'MessageCreated' | 'MessageUpdated' | 'MessageEmbedsUpdated'> =>
  event.type === 'MessageCreated' || event.type === 'MessageUpdated' || event.type === 'MessageEmbedsUpdated';

const EXISTING = parse(/* GraphQL */ `
  query RealtimeReplayExisting($channelId: ID!, $ids: [ID!]!) {
    messagesByIds(channelId: $channelId, ids: $ids) {
      id
    }
  }
`);
const BATCH = 100;

/**
 * Whether the viewer may read a container's history now: (guildId, governing channel, container).
 * guildId is null for DMs and group DMs.
 */
export type HistoryAccess = (guildId: string | null, channelId: string, containerId: string) => boolean;

/**
 * A resume replays the log from a cursor the client chose, and a cursor is easy to forge
 * (`<epoch>.0`). So a replay shows no more than history does now (decision 0020): message events only
 * where the viewer may read the history (READ_MESSAGE_HISTORY, or a DM they take part in), and a
 * message's content only while the message exists, checked against the store as the viewer (one
 * query per container and 100 messages). Other events pass: decide() filters them by current access.
 */
export async function screenHistory(
  run: Runner,
  principal: Principal,
  events: LiveEvent[],
  mayRead: HistoryAccess,
): Promise<LiveEvent[]> {
  const kept = events.filter((event) => {
    const s = event.at;
    if (!isHistory(event) || s.kind !== 'messages') return true;
    return mayRead(s.guildId, governingChannel(event, s.channelId), s.channelId);
  });
  const wanted = new Map<string, Set<string>>();
  for (const event of kept)
    if (carriesContent(event)) {
      const { channelId, messageId } = event.data;
      let ids = wanted.get(channelId);
      if (!ids) wanted.set(channelId, (ids = new Set()));
      ids.add(messageId);
    }
  const existing = new Set<string>();
  for (const [channelId, ids] of wanted) {
    const all = [...ids];
    for (let i = 0; i < all.length; i += BATCH)
      for (const id of await existingIds(run, principal, channelId, all.slice(i, i + BATCH)))
        existing.add(`${channelId}:${id}`);
  }
  return kept.filter((event) => {
    if (!carriesContent(event)) return true;
    const { channelId, messageId } = event.data;
    return existing.has(`${channelId}:${messageId}`);
  });
}

async function existingIds(
  run: Runner,
  principal: Principal,
  channelId: string,
  ids: string[],
): Promise<string[]> {
  const result = await run(EXISTING, { channelId, ids }, principal);
  const code = result.errors?.[0]?.extensions?.code;
  // Gone, or no longer readable: none of its messages may be shown.
  if (code === 'NOT_FOUND' || code === 'FORBIDDEN') return [];
  if (result.errors?.length || !result.data)
    throw new DomainError('SERVICE_UNAVAILABLE', 'The replay could not be checked. Retry shortly.');
  return (result.data as { messagesByIds: { id: string }[] }).messagesByIds.map((m) => m.id);
}
