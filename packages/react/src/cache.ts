import { InMemoryCache, type FieldPolicy, type Reference, type TypePolicy } from '@apollo/client';

/** Snowflake ids grow with time: a longer id is newer, equal lengths compare as text. */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * A channel's history as one list per channel, oldest first, whatever pages were fetched (`before`,
 * `after`, the newest page): pages merge by message id, and live events add to the same list.
 */
const messagesField: FieldPolicy<Reference[]> = {
  keyArgs: ['channelId'],
  merge(existing = [], incoming, { readField }) {
    // The common cases in O(page): a page (the API sends them newest first) older than the whole
    // list goes before it, a newer one after it. Anything else is merged by id and sorted.
    if (!incoming.length) return existing;
    const ids = incoming.map((ref) => readField<string>('id', ref) ?? '');
    const descending = ids.every((id, i) => i === 0 || compareIds(ids[i - 1]!, id) > 0);
    const ascending = ids.every((id, i) => i === 0 || compareIds(ids[i - 1]!, id) < 0);
    const first = existing.length ? readField<string>('id', existing[0]) : undefined;
    const last = existing.length ? readField<string>('id', existing.at(-1)) : undefined;
    if ((descending || ascending) && first && last) {
      const page = descending ? [...incoming].reverse() : incoming;
      const [oldest, newest] = descending ? [ids.at(-1)!, ids[0]!] : [ids[0]!, ids.at(-1)!];
      if (compareIds(newest, first) < 0) return [...page, ...existing];
      if (compareIds(oldest, last) > 0) return [...existing, ...page];
    }
    const byId = new Map<string, Reference>();
    for (const ref of [...existing, ...incoming]) {
      const id = readField<string>('id', ref);
      if (id) byId.set(id, ref);
    }
    return [...byId.entries()].sort(([a], [b]) => compareIds(a, b)).map(([, ref]) => ref);
  },
};

/** A member's cache id: one per guild and user (a user is a member of many guilds). */
export const memberCacheId = (guildId: string, userId: string) => `Member:${guildId}:${userId}`;

type KeyFieldsFunction = Extract<TypePolicy['keyFields'], (...args: never[]) => unknown>;
const memberKey: KeyFieldsFunction = (member) =>
  typeof member.guildId === 'string' && typeof member.userId === 'string'
    ? memberCacheId(member.guildId, member.userId)
    : false;

/** The normalised cache, with keys for the types whose identity is not an `id` field. */
export function createCache(): InMemoryCache {
  return new InMemoryCache({
    typePolicies: {
      Query: { fields: { messages: messagesField } },
      // A member is one entry wherever it shows (a message's author, the member list) when read with
      // guildId and userId (MessageMemberFields); without them it stays inside its parent. Lists of
      // members and relationships change only by events that name ids: they are refetched.
      Member: { keyFields: memberKey },
      ReadState: { keyFields: ['channelId'] },
      GuildUnreads: { keyFields: ['guildId'] },
      Unreads: { merge: true },
      Invite: { keyFields: ['code'] },
      InvitePreview: { keyFields: ['code'] },
      Relationship: { keyFields: false },
      // A user is in one call at a time: their voice state is one entry, whichever list shows it.
      VoiceState: { keyFields: ['user', ['id']] },
      Message: { fields: { reactions: { merge: false }, embeds: { merge: false } } },
    },
  });
}
