import type { ApolloCache, ApolloClient, Reference } from '@apollo/client';
import type { CatalogEvent, EventOf } from '@gochat/events';
import { effectivePrefs, type EffectivePrefs } from '@gochat/user-settings/prefs';
import { parse } from 'graphql';

import { compareIds, memberCacheId } from './cache.ts';
import {
  GuildMemberDocument,
  MessageMemberFieldsFragmentDoc,
  UserFieldsFragmentDoc,
  VoiceStateFieldsFragmentDoc,
  type MessageMemberFieldsFragment,
  type UserFieldsFragment,
  type VoiceStateFieldsFragment,
} from './generated/graphql.ts';
import { embedsFromEvent, type MessageWriter } from './message-writer.ts';
import type { PresenceStore, TypingStore, VoiceEvents } from './stores.ts';

/** One viewer feed event as the API delivers it (RealtimeEvent; `data` as in docs/events.md). */
export interface FeedEvent {
  type: string;
  occurredAt: string;
  data: unknown;
}

export interface LiveCacheContext {
  apollo: ApolloClient;
  viewerId: () => string | null;
  messages: MessageWriter;
  typing: TypingStore;
  presence: PresenceStore;
  /** Told the voice events, for the viewer's own call (absent: nobody listens). */
  voice?: VoiceEvents;
}

type Emoji = EventOf<'ReactionAdded'>['data']['emoji'];
interface CachedReaction {
  __typename?: string;
  emoji: { __typename?: string; unicode: string | null; emojiId: string | null };
  count: number;
  me: boolean;
}

const sameEmoji = (a: Emoji, b: Emoji) => a.unicode === b.unicode && a.emojiId === b.emojiId;

/**
 * Keeps the normalised cache live from the viewer feed: an event that carries the change (messages,
 * reactions, pins, read states) is written into the cache directly; an event that only names what
 * changed (channels, roles, members: "the new values are read") evicts those fields, so the screens
 * that show them fetch them again, and nothing else. Unknown types are ignored (docs/events.md:
 * consumers ignore what they do not know).
 */
export function applyFeedEvent(context: LiveCacheContext, raw: FeedEvent): void {
  const event = raw as CatalogEvent & { occurredAt: string };
  const cache = context.apollo.cache;
  const viewer = context.viewerId();
  switch (event.type) {
    case 'MessageCreated':
      context.typing.stopped(event.data.channelId, event.data.authorId);
      context.messages.created(event.data, event.occurredAt);
      updateReadStateOnMessage(cache, event.data, viewer);
      return;
    case 'MessageUpdated':
      cache.modify({
        id: cache.identify({ __typename: 'Message', id: event.data.messageId }),
        fields: {
          content: () => event.data.content,
          editedAt: () => event.data.editedAt,
          editHistory: (_value, { DELETE }) => DELETE,
          // The old content's link previews stop showing; the new ones come in MessageEmbedsUpdated.
          embeds: (value, { readField }) =>
            (value as readonly Reference[]).filter((embed) => readField<string>('type', embed) === 'RICH'),
        },
      });
      return;
    case 'MessageEmbedsUpdated': {
      const { editedAt, embeds, suppressed } = event.data;
      // For the content of `editedAt`: previews of content the cache no longer shows are ignored.
      const current = (readField: <T>(field: string) => T | undefined) =>
        sameInstant(readField<string | null>('editedAt'), editedAt);
      cache.modify({
        id: cache.identify({ __typename: 'Message', id: event.data.messageId }),
        fields: {
          embeds: (value: readonly Reference[], { readField }) =>
            current(readField) ? (embedsFromEvent(embeds) as unknown as Reference[]) : value,
          embedsSuppressed: (value: boolean, { readField }) => (current(readField) ? suppressed : value),
        },
      });
      return;
    }
    case 'MessageDeleted':
      evictMessages(cache, [event.data.messageId]);
      return;
    case 'MessagesBulkDeleted':
      evictMessages(cache, event.data.messageIds);
      return;
    case 'ReactionAdded':
      updateReactions(cache, event.data.messageId, (reactions) => {
        const { emoji, userId } = event.data;
        const mine = userId === viewer;
        const found = reactions.find((r) => sameEmoji(r.emoji, emoji));
        // The viewer's own reaction is counted already when the mutation's answer came first.
        if (found && mine && found.me) return reactions;
        if (found)
          return reactions.map((r) => (r === found ? { ...r, count: r.count + 1, me: r.me || mine } : r));
        return [
          ...reactions,
          { __typename: 'Reaction', emoji: { __typename: 'ReactionEmoji', ...emoji }, count: 1, me: mine },
        ];
      });
      return;
    case 'ReactionRemoved':
      updateReactions(cache, event.data.messageId, (reactions) => {
        const { emoji, userId } = event.data;
        if (userId === null) return emoji ? reactions.filter((r) => !sameEmoji(r.emoji, emoji)) : [];
        const mine = userId === viewer;
        return reactions
          .map((r) => {
            if (emoji && !sameEmoji(r.emoji, emoji)) return r;
            // Likewise its removal, when the answer came first: it no longer counts the viewer.
            if (mine && !r.me) return r;
            return { ...r, count: r.count - 1, me: mine ? false : r.me };
          })
          .filter((r) => r.count > 0);
      });
      return;
    case 'ChannelPinsUpdated':
      cache.modify({
        id: cache.identify({ __typename: 'Message', id: event.data.messageId }),
        fields: { pinned: () => event.data.pinned },
      });
      evictField(cache, 'Channel', event.data.channelId, 'pinnedMessages');
      return;
    case 'ReadStateUpdated':
      cache.modify({
        id: cache.identify({ __typename: 'ReadState', channelId: event.data.channelId }),
        fields: {
          lastReadMessageId: () => event.data.lastReadMessageId,
          mentionCount: () => event.data.mentionCount,
          unread: (_unread, { readField }) => {
            const last = readField<string | null>('lastMessageId');
            const read = event.data.lastReadMessageId;
            return last !== null && last !== undefined && (read === null || compareIds(last, read) > 0);
          },
        },
      });
      return;
    case 'TypingStarted':
      if (event.data.userId !== viewer)
        context.typing.started(event.data.channelId, event.data.userId, Date.parse(event.data.expiresAt));
      return;
    case 'PresenceUpdated':
      context.presence.update(event.data.userId, event.data.status);
      return;
    case 'GuildCreated':
    case 'GuildMemberAdded':
      if (event.type === 'GuildCreated' || event.data.userId === viewer) evictRoot(cache, 'myGuilds');
      if (event.type === 'GuildMemberAdded') evictMembers(cache, event.data.guildId);
      return;
    case 'GuildMemberRemoved':
      if (event.data.userId === viewer) {
        cache.evict({ id: cache.identify({ __typename: 'Guild', id: event.data.guildId }) });
        evictRoot(cache, 'myGuilds');
      } else evictMembers(cache, event.data.guildId);
      forgetMember(cache, event.data.guildId, event.data.userId);
      cache.gc();
      return;
    case 'GuildMemberUpdated':
      evictMembers(cache, event.data.guildId);
      evictRoot(cache, 'guildMember');
      if (event.data.userId === viewer) evictGuildAccess(cache, event.data.guildId);
      // For the viewer, also their role ids (cached from myGuilds): the role mentions counted live.
      refreshMembers(context, event.data.guildId, event.data.userId);
      return;
    case 'GuildUpdated':
    case 'GuildOwnerChanged':
      evictFields(cache, 'Guild', event.data.guildId, [
        'name',
        'icon',
        'iconUrl',
        'bannerUrl',
        'description',
        'public',
        'owner',
        'systemChannel',
        'basePermissions',
      ]);
      return;
    case 'GuildDeleted':
      cache.evict({ id: cache.identify({ __typename: 'Guild', id: event.data.guildId }) });
      evictRoot(cache, 'myGuilds');
      cache.gc();
      return;
    case 'ChannelCreated':
    case 'ChannelsReordered':
      evictField(cache, 'Guild', event.data.guildId, 'channels');
      return;
    case 'ChannelUpdated':
      // Overwrites change who sees what: the channel and the guild's channel list are read again.
      evictFields(cache, 'Channel', event.data.channelId, [
        'name',
        'topic',
        'parent',
        'position',
        'private',
        'slowmodeSeconds',
        'overwrites',
        'myPermissions',
      ]);
      evictField(cache, 'Guild', event.data.guildId, 'channels');
      return;
    case 'ChannelDeleted':
      dropDeletedChannelCall(cache, event.data.channelId);
      cache.evict({ id: cache.identify({ __typename: 'Channel', id: event.data.channelId }) });
      cache.gc();
      return;
    case 'RoleCreated':
    case 'RoleUpdated':
    case 'RoleDeleted':
    case 'RolesReordered':
      evictGuildAccess(cache, event.data.guildId);
      evictMembers(cache, event.data.guildId);
      // A role's colour or rank changed: names on messages may change colour (a new role has no one).
      if (event.type !== 'RoleCreated') refreshMembers(context, event.data.guildId);
      return;
    case 'GuildBanAdded':
    case 'GuildBanRemoved':
      evictRoot(cache, 'guildBans');
      if (event.type === 'GuildBanAdded') evictMembers(cache, event.data.guildId);
      return;
    case 'InviteCreated':
    case 'InviteDeleted':
      evictRoot(cache, 'guildInvites');
      return;
    case 'EmojiCreated':
    case 'EmojiUpdated':
    case 'EmojiDeleted':
      evictField(cache, 'Guild', event.data.guildId, 'emojis');
      return;
    case 'DirectChannelCreated':
    case 'DirectChannelUpdated':
      evictRoot(cache, 'myDirectChannels');
      evictRoot(cache, 'unreads');
      return;
    case 'FriendRequestCreated':
    case 'FriendRequestDeleted':
    case 'FriendAdded':
    case 'FriendRemoved':
    case 'UserBlocked':
    case 'UserUnblocked':
      evictRoot(cache, 'relationships');
      return;
    case 'SettingsUpdated':
      applySettings(cache, event.data.version);
      return;
    case 'UserDeleted':
    case 'UserUpdated':
      evictFields(cache, 'User', event.data.userId, ['displayName', 'handle', 'avatarUrl']);
      if (event.data.userId === viewer) evictRoot(cache, 'avatarHistory');
      return;
    case 'UploadProcessed':
      // A large upload finished in the background: its state, metadata and previews are read again.
      evictFields(cache, 'Upload', event.data.uploadId, [
        'state',
        'contentType',
        'width',
        'height',
        'durationSeconds',
        'animated',
        'blurhash',
        'previews',
        'error',
        'expiresAt',
      ]);
      return;
    case 'ThreadCreated':
      evictField(cache, 'Channel', event.data.parentChannelId, 'threads');
      if (event.data.starterMessageId)
        evictField(cache, 'Message', event.data.starterMessageId, 'startedThread');
      return;
    case 'ThreadUpdated':
      evictFields(cache, 'Thread', event.data.threadId, [
        'name',
        'autoArchiveMinutes',
        'archived',
        'archivedAt',
        'locked',
      ]);
      evictField(cache, 'Channel', event.data.parentChannelId, 'threads');
      return;
    case 'ThreadMembersUpdated':
      evictFields(cache, 'Thread', event.data.threadId, ['memberCount', 'members', 'joined']);
      return;
    case 'VoiceStateUpdated':
      applyVoiceState(cache, event.data, event.occurredAt, viewer);
      context.voice?.emit(event);
      return;
    case 'VoiceRoomMigrating':
      context.voice?.emit(event);
      return;
    case 'VoiceNodeCommand':
    case 'VoicePeerReported':
      // Between the API and the SFU nodes: no client feed carries them.
      return;
    case 'SessionRevoked':
      // The server closes this session's sockets (4410): the client ends the session itself.
      return;
    default:
      return;
  }
}

/**
 * The viewer's settings changed on some device: a cached mySettings older than that version is read
 * again, and so are what the settings shape (unread badges honour mutes; hidden DMs leave the list).
 * The device that made the change already holds that version (updateSettings' answer) and keeps it.
 */
function applySettings(cache: ApolloCache, version: number): void {
  let current = false;
  cache.modify({
    id: 'ROOT_QUERY',
    fields: {
      mySettings: (value: Reference, { readField, DELETE }) => {
        const cached = readField<number>('version', value);
        current = typeof cached === 'number' && cached >= version;
        return current ? value : DELETE;
      },
    },
  });
  if (current) return;
  evictRoot(cache, 'unreads');
  evictRoot(cache, 'myDirectChannels');
}

function evictRoot(cache: ApolloCache, fieldName: string): void {
  cache.evict({ id: 'ROOT_QUERY', fieldName });
}

function evictField(cache: ApolloCache, typename: string, id: string, fieldName: string): void {
  cache.evict({ id: cache.identify({ __typename: typename, id }), fieldName });
}

function evictFields(cache: ApolloCache, typename: string, id: string, fieldNames: string[]): void {
  for (const fieldName of fieldNames) evictField(cache, typename, id, fieldName);
}

function evictMembers(cache: ApolloCache, guildId: string): void {
  evictRoot(cache, 'guildMembers');
  evictField(cache, 'Guild', guildId, 'memberCount');
}

/** At most this many cached members are read again after one role change (the rest keep their colour). */
const MAX_MEMBER_REFRESH = 100;
const MEMBER = { fragment: MessageMemberFieldsFragmentDoc, fragmentName: 'MessageMemberFields' } as const;

/**
 * Reads again the members the cache holds (one user's, or every one of the guild's), so messages
 * show their new nickname and colour at once: the answer updates the one entry they all point at.
 */
function refreshMembers(context: LiveCacheContext, guildId: string, userId?: string): void {
  const cache = context.apollo.cache;
  const ids = userId
    ? [memberCacheId(guildId, userId)]
    : Object.keys(cache.extract() as Record<string, unknown>)
        .filter((id) => id.startsWith(memberCacheId(guildId, '')))
        .slice(0, MAX_MEMBER_REFRESH);
  for (const id of ids) {
    const cached = cache.readFragment<MessageMemberFieldsFragment>({ ...MEMBER, id });
    if (!cached) continue;
    void context.apollo
      .query({
        query: GuildMemberDocument,
        variables: { guildId, userId: cached.userId },
        fetchPolicy: 'network-only',
      })
      .catch(() => {
        // Gone meanwhile (GuildMemberRemoved says so), or the viewer left: nothing to show.
      });
  }
}

/** A member who left: their messages show them without a nickname, colour or guild avatar, as Message.member null would. */
function forgetMember(cache: ApolloCache, guildId: string, userId: string): void {
  cache.modify({
    id: memberCacheId(guildId, userId),
    fields: { nickname: () => null, roleIds: () => [], color: () => null, avatarUrl: () => null },
  });
}

/** What a role or member change can alter for the viewer: roles, permissions, visible channels. */
function evictGuildAccess(cache: ApolloCache, guildId: string): void {
  evictFields(cache, 'Guild', guildId, ['roles', 'channels', 'me']);
}

function evictMessages(cache: ApolloCache, ids: string[]): void {
  for (const id of ids) cache.evict({ id: cache.identify({ __typename: 'Message', id }) });
  cache.gc();
}

function updateReactions(
  cache: ApolloCache,
  messageId: string,
  change: (reactions: CachedReaction[]) => CachedReaction[],
): void {
  cache.modify({
    id: cache.identify({ __typename: 'Message', id: messageId }),
    fields: { reactions: (value) => change(value as CachedReaction[]) as unknown as Reference[] },
  });
}

function updateReadStateOnMessage(
  cache: ApolloCache,
  data: EventOf<'MessageCreated'>['data'],
  viewer: string | null,
): void {
  const own = data.authorId === viewer;
  // The viewer's cached settings, as the server applies them (packages/user-settings): level
  // NOTHING counts neither unread nor mentions, a mute no unread, suppressEveryone no @everyone,
  // suppressRoles no mention of one of their roles.
  const prefs = viewerPrefs(cache, data);
  const silent = prefs?.level === 'NOTHING';
  const mentioned =
    !own &&
    !silent &&
    viewer !== null &&
    (data.mentions.users.includes(viewer) ||
      ((data.mentions.everyone || data.mentions.here) && prefs?.suppressEveryone !== true) ||
      (prefs?.suppressRoles !== true && mentionsViewerRole(cache, data, viewer)));
  const counts = !own && !silent && prefs?.muted !== true;
  const known = cache.modify({
    id: cache.identify({ __typename: 'ReadState', channelId: data.channelId }),
    fields: {
      lastMessageId: () => data.messageId,
      // A channel the viewer writes in counts as read, as in Discord.
      lastReadMessageId: (last) => (own ? data.messageId : last),
      // A muted channel (the viewer's settings) is not unread for badges; its mentions still count.
      unread: (_value, { readField }) => counts && readField<boolean>('muted') !== true,
      mentionCount: (count) => (mentioned ? Number(count) + 1 : count),
    },
  });
  // A channel the cache has no read state for (a new DM, say): the badges' query reads it again.
  if (!known && !own) evictRoot(cache, 'unreads');
  if (own || !data.guildId) return;
  cache.modify({
    id: cache.identify({ __typename: 'GuildUnreads', guildId: data.guildId }),
    fields: {
      unread: (value: boolean) => (counts ? true : value),
      mentionCount: (count: number) => (mentioned ? count + 1 : count),
    },
  });
}

const NOTIFICATION_SETTINGS = parse(`query CachedNotificationSettings {
  mySettings {
    guilds { guildId level muted muteEndsAt suppressEveryone suppressRoles }
    channels { channelId level muted muteEndsAt }
  }
}`);

interface NotificationSettings {
  mySettings: {
    guilds: ({ guildId: string } & Parameters<typeof effectivePrefs>[0]['guilds'][string])[];
    channels: ({ channelId: string } & Parameters<typeof effectivePrefs>[0]['channels'][string])[];
  };
}

const VIEWER_ROLE_IDS = parse('fragment ViewerRoleIds on Member { roleIds }');

/**
 * Whether the message mentions one of the viewer's roles in its guild, as their cached membership
 * (myGuilds' `me`, kept current by GuildMemberUpdated) lists them; none when it is not cached.
 */
function mentionsViewerRole(
  cache: ApolloCache,
  data: EventOf<'MessageCreated'>['data'],
  viewer: string,
): boolean {
  if (data.guildId === null || data.mentions.roles.length === 0) return false;
  const member = cache.readFragment<{ roleIds: string[] }>({
    id: memberCacheId(data.guildId, viewer),
    fragment: VIEWER_ROLE_IDS,
  });
  return member?.roleIds.some((id) => data.mentions.roles.includes(id)) ?? false;
}

/** What the viewer's cached settings say about the message's place; null when they are not cached. */
function viewerPrefs(cache: ApolloCache, data: EventOf<'MessageCreated'>['data']): EffectivePrefs | null {
  const settings = cache.readQuery<NotificationSettings>({ query: NOTIFICATION_SETTINGS })?.mySettings;
  if (!settings) return null;
  return effectivePrefs(
    {
      guilds: Object.fromEntries(settings.guilds.map((g) => [g.guildId, g])),
      channels: Object.fromEntries(settings.channels.map((c) => [c.channelId, c])),
    },
    { containerId: data.channelId, parentChannelId: data.parentChannelId, guildId: data.guildId },
  );
}

/** Two editedAt values name the same content version (undefined: not in the cache, so not judged). */
function sameInstant(cached: string | null | undefined, event: string | null): boolean {
  if (cached === undefined || cached === event) return true;
  return cached !== null && event !== null && Date.parse(cached) === Date.parse(event);
}

const VOICE_STATE_CHANNEL = parse('fragment VoiceStateChannel on VoiceState { channel { id } }');

/** The voice lists of the root query: a guild's calls, one channel's call. */
const VOICE_LISTS = { voiceStates: 'guildId', channelVoiceStates: 'channelId' } as const;

/** The arguments of a root field from its store name (`voiceStates({"guildId":"1"})`). */
function argsOf(storeFieldName: string, fieldName: string): Record<string, unknown> | null {
  const json = storeFieldName.slice(fieldName.length + 1, -1);
  try {
    return json ? (JSON.parse(json) as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * A voice state change, written in place: VoiceState is keyed by its user (one call at a time), so
 * a mute or a server mute changes the one entry every list shows, and a join, move or leave moves it
 * between the cached lists of the guild's calls and of each channel's call. A user the cache does not
 * know yet (no UserFields) makes those lists read again instead. An event about a call the cache no
 * longer shows the user in (a leave announced after the join elsewhere) changes nothing.
 */
function applyVoiceState(
  cache: ApolloCache,
  data: EventOf<'VoiceStateUpdated'>['data'],
  occurredAt: string,
  viewer: string | null,
): void {
  const id = cache.identify({ __typename: 'VoiceState', user: { __typename: 'User', id: data.userId } });
  if (!id) return;
  const mine = data.userId === viewer;
  const cached = cache.readFragment<{ channel: { id: string } }>({ id, fragment: VOICE_STATE_CHANNEL });
  const cachedChannel = cached?.channel.id;

  if (data.channelId === null || !data.state) {
    if (cachedChannel === undefined) {
      if (mine) cache.modify({ id: 'ROOT_QUERY', fields: { myVoiceState: () => null } });
      return;
    }
    if (data.previousChannelId !== null && cachedChannel !== data.previousChannelId) return;
    placeVoiceState(cache, id, null, null, mine);
    cache.evict({ id });
    return;
  }

  const { channelId, guildId, state } = data;
  const moved = cachedChannel !== channelId;
  if (cachedChannel !== undefined) {
    cache.modify({
      id,
      fields: {
        selfMute: () => state.selfMute,
        selfDeaf: () => state.selfDeaf,
        serverMute: () => state.serverMute,
        serverDeaf: () => state.serverDeaf,
        selfVideo: () => state.selfVideo,
        selfStream: () => state.selfStream,
        ...(moved && {
          channel: (_value, { toReference }) => toReference({ __typename: 'Channel', id: channelId }, true)!,
          guild: (_value, { toReference }) =>
            guildId === null ? null : toReference({ __typename: 'Guild', id: guildId }, true)!,
          // A new call: the SFU has not admitted them there yet.
          connected: () => false,
          joinedAt: () => occurredAt,
        }),
      },
    });
  } else {
    const user = cache.readFragment<UserFieldsFragment>({
      id: cache.identify({ __typename: 'User', id: data.userId }),
      fragment: UserFieldsFragmentDoc,
      fragmentName: 'UserFields',
    });
    if (!user) {
      // Who they are is not cached: the lists that would show them are read again.
      for (const [fieldName, argName] of Object.entries(VOICE_LISTS)) {
        const value = argName === 'guildId' ? guildId : channelId;
        if (value !== null) cache.evict({ id: 'ROOT_QUERY', fieldName, args: { [argName]: value } });
      }
      if (mine) evictRoot(cache, 'myVoiceState');
      return;
    }
    cache.writeFragment<VoiceStateFieldsFragment>({
      id,
      fragment: VoiceStateFieldsFragmentDoc,
      fragmentName: 'VoiceStateFields',
      data: {
        __typename: 'VoiceState',
        user,
        channel: { __typename: 'Channel', id: channelId },
        guild: guildId === null ? null : { __typename: 'Guild', id: guildId },
        ...state,
        connected: false,
        joinedAt: occurredAt,
      },
    });
  }
  // Also when the entry already names this channel: the joinVoice or moveVoiceMember answer may have
  // written it before the event came, but never puts it into the lists.
  placeVoiceState(cache, id, guildId, channelId, mine);
}

/**
 * A deleted channel's call ended with it: its voice states went with the channel's row, without a
 * VoiceStateUpdated each, so they leave every list (the viewer's own call included) here.
 */
function dropDeletedChannelCall(cache: ApolloCache, channelId: string): void {
  const inCall = (ref: Reference, readField: <T>(field: string, from: Reference) => T | undefined) =>
    readField<Reference>('channel', ref) !== undefined &&
    readField<string>('id', readField<Reference>('channel', ref)!) === channelId;
  const ended = new Set<string>();
  const drop = (value: unknown, readField: <T>(field: string, from: Reference) => T | undefined) => {
    if (!Array.isArray(value)) return value;
    const list = value as Reference[];
    for (const ref of list) if (inCall(ref, readField)) ended.add(ref.__ref);
    return list.filter((ref) => !ended.has(ref.__ref));
  };
  cache.modify({
    id: 'ROOT_QUERY',
    fields: {
      voiceStates: (value, { readField }) => drop(value, readField) as Reference[],
      myVoiceState: (value: Reference | null, { readField }) => {
        if (!value || !inCall(value, readField)) return value;
        ended.add(value.__ref);
        return null;
      },
    },
  });
  cache.evict({ id: 'ROOT_QUERY', fieldName: 'channelVoiceStates', args: { channelId } });
  for (const id of ended) cache.evict({ id });
}

/** Puts the state's reference into the lists of its guild and channel, and takes it out of the others. */
function placeVoiceState(
  cache: ApolloCache,
  id: string,
  guildId: string | null,
  channelId: string | null,
  mine: boolean,
): void {
  const place = (fieldName: keyof typeof VOICE_LISTS) => (value: unknown, storeFieldName: string) => {
    if (!Array.isArray(value)) return value;
    const list = value as Reference[];
    const where = argsOf(storeFieldName, fieldName)?.[VOICE_LISTS[fieldName]];
    const belongs = where !== undefined && where === (fieldName === 'voiceStates' ? guildId : channelId);
    const has = list.some((ref) => ref.__ref === id);
    if (belongs && !has) return [...list, { __ref: id }];
    if (!belongs && has) return list.filter((ref) => ref.__ref !== id);
    return list;
  };
  cache.modify({
    id: 'ROOT_QUERY',
    fields: {
      voiceStates: (value, { storeFieldName }) => place('voiceStates')(value, storeFieldName) as Reference[],
      channelVoiceStates: (value, { storeFieldName }) =>
        place('channelVoiceStates')(value, storeFieldName) as Reference[],
      ...(mine && {
        myVoiceState: () => (channelId === null ? null : { __ref: id }),
      }),
    },
  });
}
