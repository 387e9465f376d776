import { ApolloClient, ApolloLink, type OperationVariables } from '@apollo/client';
import { parse } from 'graphql';
import { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { createCache } from './cache.ts';
import {
  GuildMemberDocument,
  MessagesDocument,
  MyGuildsDocument,
  UserFieldsFragmentDoc,
  type GuildMemberQuery,
  type MessageFieldsFragment,
} from './generated/graphql.ts';
import { applyFeedEvent, type FeedEvent } from './live-cache.ts';
import { MessageWriter } from './message-writer.ts';
import { PresenceStore, TypingStore } from './stores.ts';

const CHANNEL = '200';
const ALICE = {
  __typename: 'User' as const,
  id: '10',
  displayName: 'Alice',
  handle: 'alice',
  createdAt: '2026-01-01T00:00:00Z',
  avatarUrl: null,
};
const BOB_ID = '11';
const GUILD = '300';
/** Alice in the guild of CHANNEL, as her cached messages show her. */
const ALICE_MEMBER = {
  __typename: 'Member' as const,
  guildId: GUILD,
  userId: ALICE.id,
  nickname: 'Al',
  roleIds: ['400'],
  color: 0xff0000,
  avatarUrl: '/media/public/public/500/128.webp',
};

function message(id: string, content: string): MessageFieldsFragment {
  return {
    __typename: 'Message',
    id,
    channelId: CHANNEL,
    kind: 'DEFAULT',
    content,
    createdAt: '2026-12-06T10:00:00Z',
    editedAt: null,
    author: ALICE,
    member: ALICE_MEMBER,
    replyTo: null,
    mentions: { __typename: 'MessageMentions', users: [], roleIds: [], everyone: false, here: false },
    attachments: [],
    embeds: [],
    embedsSuppressed: false,
    reactions: [],
    pinned: false,
    thread: null,
    startedThread: null,
  };
}

/** What the network answers an operation (by name) with; the others fail. */
type Answers = Record<string, (variables: OperationVariables) => object>;

/** A real Apollo client and cache; the network is a link that records what it is asked. */
function setup(viewer = ALICE.id, answers: Answers = {}) {
  const requests: string[] = [];
  const network = new ApolloLink(
    (operation) =>
      new Observable((observer) => {
        const name = operation.operationName ?? '';
        requests.push(name);
        const answer = answers[name];
        if (answer) {
          observer.next({ data: answer(operation.variables) });
          observer.complete();
        } else observer.error(new Error('offline in this test'));
      }),
  );
  const apollo = new ApolloClient({ cache: createCache(), link: network });
  const context = {
    apollo,
    viewerId: () => viewer,
    messages: new MessageWriter(apollo),
    typing: new TypingStore(),
    presence: new PresenceStore(),
  };
  apollo.cache.writeQuery({
    query: MessagesDocument,
    variables: { channelId: CHANNEL, limit: 50 },
    data: { __typename: 'Query', messages: [message('1001', 'first'), message('1002', 'second')] },
  });
  const history = () =>
    apollo.cache.readQuery({ query: MessagesDocument, variables: { channelId: CHANNEL, limit: 50 } })
      ?.messages ?? [];
  const apply = (type: string, data: object) =>
    applyFeedEvent(context, { type, occurredAt: '2026-12-06T10:01:00Z', data } satisfies FeedEvent);
  return { apollo, context, requests, history, apply };
}

const ref = { channelId: CHANNEL, parentChannelId: CHANNEL, guildId: '300' };
const created = (messageId: string, authorId: string, content: string) => ({
  ...ref,
  messageId,
  authorId,
  kind: 'default',
  content,
  replyToId: null,
  mentions: { users: [], roles: [], everyone: false, here: false },
  attachmentIds: [],
});

describe('applyFeedEvent: the viewer feed keeps the cache live', () => {
  it('adds a new message from the event alone when its author is cached, asking the network nothing', () => {
    const { history, apply, requests } = setup();
    apply('MessageCreated', created('1003', ALICE.id, 'third'));
    expect(history().map((m) => m.content)).toEqual(['first', 'second', 'third']);
    expect(history()[2]!.author.displayName).toBe('Alice');
    // A repeated event (a resume overlapping the page) does not add it twice.
    apply('MessageCreated', created('1003', ALICE.id, 'third'));
    expect(history()).toHaveLength(3);
    expect(requests).toEqual([]);
  });

  it('reads a message by id only when the cache lacks its author', async () => {
    const { apply, requests } = setup();
    apply('MessageCreated', created('1004', BOB_ID, 'from a stranger'));
    await expect.poll(() => requests).toEqual(['MessagesByIds']);
  });

  it("gives a new message its author's membership from the cache, or reads it by id", async () => {
    const { apollo, history, apply, requests } = setup();
    apply('MessageCreated', created('1003', ALICE.id, 'third'));
    expect(history()[2]!.member).toEqual(ALICE_MEMBER);
    // In a DM there is none; a system message has none either.
    apply('MessageCreated', { ...created('1004', ALICE.id, 'direct'), guildId: null });
    apply('MessageCreated', { ...created('1005', ALICE.id, ''), kind: 'guild_member_join' });
    expect(
      history()
        .slice(3)
        .map((m) => m.member),
    ).toEqual([null, null]);
    expect(requests).toEqual([]);
    // Bob is a cached user, but not as a member of this guild: his message is read by id.
    apollo.cache.writeFragment({
      fragment: UserFieldsFragmentDoc,
      data: { __typename: 'User', id: BOB_ID, displayName: 'Bob', handle: 'bob', createdAt: ALICE.createdAt },
    });
    apply('MessageCreated', created('1006', BOB_ID, 'hello'));
    await expect.poll(() => requests).toEqual(['MessagesByIds']);
  });

  it("shows a member's new nickname and colour on every message once the member is read again", async () => {
    const { apollo, history, apply, requests } = setup();
    apply('GuildMemberUpdated', {
      guildId: GUILD,
      actorId: ALICE.id,
      userId: ALICE.id,
      fields: ['nickname'],
    });
    await expect.poll(() => requests).toEqual(['GuildMember']);
    // The answer (written here as the network would) is the one entry every message points at.
    apollo.cache.writeQuery({
      query: GuildMemberDocument,
      variables: { guildId: GUILD, userId: ALICE.id },
      data: {
        __typename: 'Query',
        guildMember: {
          ...ALICE_MEMBER,
          nickname: 'Alicia',
          color: 0x00ff00,
          avatarUrl: '/media/public/public/501/128.webp',
          guild: { __typename: 'Guild', id: GUILD },
          user: ALICE,
          roles: [{ __typename: 'Role', id: '401', name: 'Green', color: 0x00ff00, position: 2 }],
          roleIds: ['401'],
          timeoutUntil: null,
          permissions: '0',
          joinedAt: ALICE.createdAt,
        },
      },
    });
    expect(history().map((m) => [m.member?.nickname, m.member?.color, m.member?.avatarUrl])).toEqual([
      ['Alicia', 0x00ff00, '/media/public/public/501/128.webp'],
      ['Alicia', 0x00ff00, '/media/public/public/501/128.webp'],
    ]);
  });

  it('reads cached members of the guild again after a role change; a member who left loses name and colour', async () => {
    const { history, apply, requests } = setup(BOB_ID);
    apply('RoleCreated', { guildId: GUILD, actorId: ALICE.id, roleId: '402' });
    apply('RoleUpdated', { guildId: '999', actorId: ALICE.id, roleId: '403' });
    expect(requests).toEqual([]);
    apply('RoleUpdated', { guildId: GUILD, actorId: ALICE.id, roleId: '400' });
    await expect.poll(() => requests).toEqual(['GuildMember']);

    apply('GuildMemberRemoved', { guildId: GUILD, actorId: ALICE.id, userId: ALICE.id, reason: 'leave' });
    expect(history().map((m) => m.member)).toEqual([
      { ...ALICE_MEMBER, nickname: null, roleIds: [], color: null, avatarUrl: null },
      { ...ALICE_MEMBER, nickname: null, roleIds: [], color: null, avatarUrl: null },
    ]);
  });

  it('edits, reacts, pins and deletes in place', () => {
    const { history, apply } = setup();
    apply('MessageUpdated', {
      ...ref,
      messageId: '1001',
      authorId: ALICE.id,
      content: 'first, edited',
      mentions: {},
      editedAt: '2026-12-06T10:02:00Z',
    });
    expect(history()[0]).toMatchObject({ content: 'first, edited', editedAt: '2026-12-06T10:02:00Z' });

    apply('ReactionAdded', {
      ...ref,
      messageId: '1001',
      userId: BOB_ID,
      emoji: { unicode: '👍', emojiId: null },
    });
    apply('ReactionAdded', {
      ...ref,
      messageId: '1001',
      userId: ALICE.id,
      emoji: { unicode: '👍', emojiId: null },
    });
    expect(history()[0]!.reactions).toMatchObject([{ emoji: { unicode: '👍' }, count: 2, me: true }]);
    apply('ReactionRemoved', {
      ...ref,
      messageId: '1001',
      actorId: ALICE.id,
      userId: ALICE.id,
      emoji: { unicode: '👍', emojiId: null },
    });
    expect(history()[0]!.reactions).toMatchObject([{ count: 1, me: false }]);
    apply('ReactionRemoved', { ...ref, messageId: '1001', actorId: BOB_ID, userId: null, emoji: null });
    expect(history()[0]!.reactions).toEqual([]);

    apply('ChannelPinsUpdated', { ...ref, messageId: '1002', actorId: ALICE.id, pinned: true });
    expect(history()[1]!.pinned).toBe(true);

    apply('MessageDeleted', { ...ref, messageId: '1001', actorId: ALICE.id });
    expect(history().map((m) => m.id)).toEqual(['1002']);
    apply('MessagesBulkDeleted', { ...ref, messageIds: ['1002'], actorId: ALICE.id });
    expect(history()).toEqual([]);
  });

  it("counts the viewer's own reaction once, whether the mutation's answer or its event comes first", () => {
    const { apollo, history, apply } = setup();
    const thumbs = { __typename: 'ReactionEmoji' as const, unicode: '👍', emojiId: null };
    const answer = (count: number, me: boolean) =>
      apollo.cache.writeQuery({
        query: MessagesDocument,
        variables: { channelId: CHANNEL, limit: 50 },
        data: {
          __typename: 'Query',
          messages: [
            {
              ...message('1001', 'first'),
              reactions: count ? [{ __typename: 'Reaction', emoji: thumbs, count, me }] : [],
            },
            message('1002', 'second'),
          ],
        },
      });
    const event = (type: 'ReactionAdded' | 'ReactionRemoved', userId: string) =>
      apply(type, {
        ...ref,
        messageId: '1001',
        actorId: userId,
        userId,
        emoji: { unicode: '👍', emojiId: null },
      });
    // Bob reacted (event); Alice's addReaction answers with both, then her own event arrives.
    event('ReactionAdded', BOB_ID);
    answer(2, true);
    event('ReactionAdded', ALICE.id);
    expect(history()[0]!.reactions).toMatchObject([{ count: 2, me: true }]);
    // Her removal's answer, then its event.
    answer(1, false);
    event('ReactionRemoved', ALICE.id);
    expect(history()[0]!.reactions).toMatchObject([{ count: 1, me: false }]);
    // Events first, then the answers: the same counts.
    event('ReactionAdded', ALICE.id);
    expect(history()[0]!.reactions).toMatchObject([{ count: 2, me: true }]);
    answer(2, true);
    event('ReactionRemoved', ALICE.id);
    expect(history()[0]!.reactions).toMatchObject([{ count: 1, me: false }]);
    answer(1, false);
    expect(history()[0]!.reactions).toMatchObject([{ count: 1, me: false }]);
  });

  it('builds a new message with the embeds its event carries, in the API shape', () => {
    const { history, apply, requests } = setup();
    apply('MessageCreated', {
      ...created('1003', ALICE.id, ''),
      embeds: [
        {
          type: 'rich',
          title: 'Release',
          color: 0x5865f2,
          fields: [
            { name: 'Version', value: '1.2', inline: true },
            { name: 'Notes', value: 'many' },
          ],
          footer: { text: 'ci' },
        },
      ],
      linkPreviews: true,
    });
    expect(requests).toEqual([]);
    const added = history()[2]!;
    expect(added.embedsSuppressed).toBe(false);
    expect(added.embeds).toEqual([
      {
        __typename: 'Embed',
        type: 'RICH',
        url: null,
        title: 'Release',
        description: null,
        color: 0x5865f2,
        timestamp: null,
        provider: null,
        author: null,
        footer: { __typename: 'EmbedFooter', text: 'ci', iconUrl: null },
        image: null,
        thumbnail: null,
        video: null,
        audio: null,
        fields: [
          { __typename: 'EmbedField', name: 'Version', value: '1.2', inline: true },
          { __typename: 'EmbedField', name: 'Notes', value: 'many', inline: false },
        ],
      },
    ]);
    // An event from before embeds existed: none.
    apply('MessageCreated', created('1004', ALICE.id, 'old server'));
    expect(history()[3]!.embeds).toEqual([]);
  });

  it('writes the embeds a MessageEmbedsUpdated carries, and whether link previews are suppressed', () => {
    const { history, apply } = setup();
    apply('MessageEmbedsUpdated', {
      ...ref,
      messageId: '1001',
      editedAt: null,
      suppressed: false,
      embeds: [
        { type: 'rich', title: 'Sent with it' },
        {
          type: 'video',
          url: 'https://video.example/watch?v=1',
          title: 'A video',
          siteName: 'VideoSite',
          thumbnail: { url: 'https://gochat.example/media/t.jpg', width: 640, height: 360 },
          video: { url: 'https://video.example/embed/1', contentType: 'text/html' },
        },
      ],
    });
    const [rich, video] = history()[0]!.embeds;
    expect(rich).toMatchObject({ type: 'RICH', title: 'Sent with it', fields: [], provider: null });
    expect(video).toMatchObject({
      type: 'VIDEO',
      url: 'https://video.example/watch?v=1',
      provider: { __typename: 'EmbedProvider', name: 'VideoSite', url: null },
      thumbnail: {
        __typename: 'EmbedMedia',
        url: 'https://gochat.example/media/t.jpg',
        width: 640,
        height: 360,
        contentType: null,
      },
      video: { url: 'https://video.example/embed/1', width: null, height: null, contentType: 'text/html' },
      image: null,
      audio: null,
    });
    // Suppressed: only the sent (rich) embeds are shown now.
    apply('MessageEmbedsUpdated', {
      ...ref,
      messageId: '1001',
      editedAt: null,
      suppressed: true,
      embeds: [
        { type: 'rich', title: 'Sent with it', provider: { name: 'Bot', url: 'https://bot.example' } },
      ],
    });
    expect(history()[0]).toMatchObject({
      embedsSuppressed: true,
      embeds: [{ type: 'RICH', provider: { name: 'Bot', url: 'https://bot.example' } }],
    });
    expect(history()[0]!.embeds).toHaveLength(1);
    // A message the cache does not hold is left alone.
    apply('MessageEmbedsUpdated', {
      ...ref,
      messageId: '9999',
      editedAt: null,
      suppressed: false,
      embeds: [],
    });
    expect(history()).toHaveLength(2);
  });

  it('ignores embeds made for another version of the content than the one it shows', () => {
    const { history, apply } = setup();
    const previews = (editedAt: string | null, title: string) =>
      apply('MessageEmbedsUpdated', {
        ...ref,
        messageId: '1001',
        editedAt,
        suppressed: false,
        embeds: [{ type: 'link', url: 'https://example.com/', title }],
      });
    previews('2026-12-01T10:00:00.000Z', 'for an edit this cache has not seen');
    expect(history()[0]!.embeds).toEqual([]);
    previews(null, 'for the content shown');
    expect(history()[0]!.embeds.map((e) => e.title)).toEqual(['for the content shown']);
  });

  it("drops the old content's link previews on an edit, keeping the rich embeds", () => {
    const { history, apply } = setup();
    apply('MessageEmbedsUpdated', {
      ...ref,
      messageId: '1002',
      editedAt: null,
      suppressed: false,
      embeds: [
        { type: 'rich', title: 'Kept' },
        { type: 'link', url: 'https://example.com/', title: 'Example' },
        { type: 'image', url: 'https://example.com/a.png', image: { url: 'https://gochat.example/a.png' } },
      ],
    });
    expect(history()[1]!.embeds.map((e) => e.type)).toEqual(['RICH', 'LINK', 'IMAGE']);
    apply('MessageUpdated', {
      ...ref,
      messageId: '1002',
      authorId: ALICE.id,
      content: 'no links now',
      mentions: {},
      editedAt: '2026-12-06T10:02:00Z',
    });
    expect(history()[1]).toMatchObject({
      content: 'no links now',
      embeds: [{ type: 'RICH', title: 'Kept' }],
      embedsSuppressed: false,
    });
  });

  it("keeps typing and presence in their stores, never the viewer's own typing", () => {
    const { context, apply } = setup();
    const expiresAt = new Date(Date.now() + 10_000).toISOString();
    apply('TypingStarted', { ...ref, userId: BOB_ID, expiresAt });
    apply('TypingStarted', { ...ref, userId: ALICE.id, expiresAt });
    expect([...(context.typing.get().get(CHANNEL)?.keys() ?? [])]).toEqual([BOB_ID]);
    // Bob's message ends his typing.
    apply('MessageCreated', created('1005', BOB_ID, 'done typing'));
    expect(context.typing.get().get(CHANNEL)?.size ?? 0).toBe(0);

    apply('PresenceUpdated', { userId: BOB_ID, status: 'online', customStatus: null });
    expect(context.presence.get().get(BOB_ID)).toBe('online');
  });

  it('evicts what an id-only event names, so the screens showing it read it again', () => {
    const { apollo, apply } = setup();
    apollo.cache.writeFragment({
      id: 'Guild:300',
      fragment: GUILD_CHANNELS,
      data: {
        __typename: 'Guild',
        id: '300',
        channels: [{ __typename: 'Channel', id: CHANNEL, name: 'general' }],
      },
    });
    expect(apollo.cache.readFragment({ id: 'Guild:300', fragment: GUILD_CHANNELS })).not.toBeNull();
    apply('ChannelCreated', { guildId: '300', channelId: '201' });
    expect(apollo.cache.readFragment({ id: 'Guild:300', fragment: GUILD_CHANNELS })).toBeNull();
  });

  it('counts unread and mentions on cached read states; a channel without one makes the badges read again', () => {
    const { apollo, apply } = setup(BOB_ID);
    apollo.cache.writeQuery({
      query: UNREADS,
      data: {
        unreads: {
          __typename: 'Unreads',
          directChannels: [
            {
              __typename: 'ReadState',
              channelId: CHANNEL,
              lastMessageId: '1002',
              lastReadMessageId: '1002',
              unread: false,
              mentionCount: 0,
            },
          ],
        },
      },
    });
    const mention = { users: [BOB_ID], roles: [], everyone: false, here: false };
    apply('MessageCreated', { ...created('1006', ALICE.id, 'hi <@11>'), guildId: null, mentions: mention });
    expect(
      apollo.cache.readQuery<{ unreads: { directChannels: object[] } }>({ query: UNREADS })?.unreads
        .directChannels,
    ).toEqual([expect.objectContaining({ lastMessageId: '1006', unread: true, mentionCount: 1 })]);
    apply('MessageCreated', { ...created('1007', ALICE.id, 'elsewhere'), channelId: '999', guildId: null });
    expect(apollo.cache.readQuery({ query: UNREADS })).toBeNull();
  });

  it('reads mySettings again after a newer SettingsUpdated, with the unread badges; keeps a current copy', () => {
    const { apollo, apply } = setup(BOB_ID);
    const cached = (version: number) =>
      apollo.cache.writeQuery({
        query: SETTINGS,
        data: { mySettings: { __typename: 'UserSettings', version, guildOrder: [] } },
      });
    const unreads = (muted: boolean) =>
      apollo.cache.writeQuery({
        query: MUTED_UNREADS,
        data: {
          unreads: {
            __typename: 'Unreads',
            directChannels: [
              {
                __typename: 'ReadState',
                channelId: CHANNEL,
                lastMessageId: '1002',
                lastReadMessageId: '1002',
                unread: false,
                mentionCount: 0,
                muted,
              },
            ],
          },
        },
      });
    cached(2);
    unreads(false);
    // The device that made the change already holds that version: nothing is read again.
    apply('SettingsUpdated', { userId: BOB_ID, version: 2, document: {} });
    expect(apollo.cache.readQuery({ query: SETTINGS })).toEqual({
      mySettings: expect.objectContaining({ version: 2 }),
    });
    expect(apollo.cache.readQuery({ query: MUTED_UNREADS })).not.toBeNull();
    apply('SettingsUpdated', { userId: BOB_ID, version: 3, document: {} });
    expect(apollo.cache.readQuery({ query: SETTINGS })).toBeNull();
    expect(apollo.cache.readQuery({ query: MUTED_UNREADS })).toBeNull();

    // A message in a muted channel is not unread; its mention still counts.
    unreads(true);
    const mention = { users: [BOB_ID], roles: [], everyone: false, here: false };
    apply('MessageCreated', { ...created('1006', ALICE.id, 'hi <@11>'), guildId: null, mentions: mention });
    expect(
      apollo.cache.readQuery<{ unreads: { directChannels: object[] } }>({ query: MUTED_UNREADS })?.unreads
        .directChannels,
    ).toEqual([expect.objectContaining({ lastMessageId: '1006', unread: false, mentionCount: 1 })]);
  });

  it("applies the viewer's cached notification settings to live messages, as the server does", () => {
    const { apollo, apply } = setup(BOB_ID);
    const state = (channelId: string) => ({
      __typename: 'ReadState',
      channelId,
      lastMessageId: '1002',
      lastReadMessageId: '1002',
      unread: false,
      mentionCount: 0,
      muted: false,
    });
    const [quiet, silent, plain] = ['201', '202', '203'];
    apollo.cache.writeQuery({
      query: GUILD_UNREADS,
      data: {
        unreads: {
          __typename: 'Unreads',
          guilds: [
            {
              __typename: 'GuildUnreads',
              guildId: GUILD,
              unread: false,
              mentionCount: 0,
              channels: [state(quiet), state(silent), state(plain)],
            },
          ],
        },
      },
    });
    const override = (channelId: string, level: string | null, muted: boolean) => ({
      __typename: 'ChannelSettings',
      channelId,
      level,
      muted,
      muteEndsAt: null,
    });
    apollo.cache.writeQuery({
      query: NOTIFICATIONS,
      data: {
        mySettings: {
          __typename: 'UserSettings',
          guilds: [
            {
              __typename: 'GuildSettings',
              guildId: GUILD,
              level: null,
              muted: false,
              muteEndsAt: null,
              suppressEveryone: true,
              suppressRoles: false,
            },
          ],
          channels: [override(quiet, null, true), override(silent, 'NOTHING', false)],
        },
      },
    });
    const everyone = { users: [], roles: [], everyone: true, here: false };
    const direct = { users: [BOB_ID], roles: [], everyone: false, here: false };
    const at = (channelId: string, id: string, mentions: object) =>
      apply('MessageCreated', {
        ...created(id, ALICE.id, 'hey'),
        channelId,
        parentChannelId: channelId,
        mentions,
      });
    const guild = () =>
      apollo.cache.readQuery<{
        unreads: { guilds: { unread: boolean; mentionCount: number; channels: object[] }[] };
      }>({ query: GUILD_UNREADS })!.unreads.guilds[0]!;

    // Muted: not unread, not the guild either; a direct mention still counts.
    at(quiet, '1010', direct);
    expect(guild()).toMatchObject({ unread: false, mentionCount: 1 });
    expect(guild().channels[0]).toMatchObject({ lastMessageId: '1010', unread: false, mentionCount: 1 });
    // Level NOTHING: neither unread nor mentions.
    at(silent, '1011', direct);
    expect(guild()).toMatchObject({ unread: false, mentionCount: 1 });
    expect(guild().channels[1]).toMatchObject({ lastMessageId: '1011', unread: false, mentionCount: 0 });
    // The guild suppresses @everyone: unread, but no mention.
    at(plain, '1012', everyone);
    expect(guild()).toMatchObject({ unread: true, mentionCount: 1 });
    expect(guild().channels[2]).toMatchObject({ unread: true, mentionCount: 0 });
  });

  it("counts a live mention of one of the viewer's roles, as the server does", () => {
    const { apollo, apply } = setup(BOB_ID);
    const [plain, silent] = ['201', '202'];
    cacheGuildUnreads(apollo, [plain, silent]);
    // The viewer's roles, as the client loads them at sign-in (myGuilds' `me`).
    cacheMyGuilds(apollo, ['410', '411']);
    cacheNotifications(apollo, { suppressRoles: false, silentChannel: silent });
    const at = (channelId: string, id: string, roles: string[]) =>
      apply('MessageCreated', {
        ...created(id, ALICE.id, 'hey'),
        channelId,
        parentChannelId: channelId,
        mentions: { users: [], roles, everyone: false, here: false },
      });
    const guild = () => guildUnreads(apollo);

    // A role the viewer has: a mention, on the channel and the guild.
    at(plain, '1010', ['499', '411']);
    expect(guild()).toMatchObject({ unread: true, mentionCount: 1 });
    expect(guild().channels[0]).toMatchObject({ lastMessageId: '1010', unread: true, mentionCount: 1 });
    // A role the viewer lacks: unread, no mention.
    at(plain, '1011', ['499']);
    expect(guild()).toMatchObject({ unread: true, mentionCount: 1 });
    expect(guild().channels[0]).toMatchObject({ lastMessageId: '1011', mentionCount: 1 });
    // Level NOTHING: not even their own role.
    at(silent, '1012', ['410']);
    expect(guild().channels[1]).toMatchObject({ lastMessageId: '1012', unread: false, mentionCount: 0 });
    expect(guild().mentionCount).toBe(1);
    at(plain, '1013', ['410']);
    expect(guild().channels[0]).toMatchObject({ lastMessageId: '1013', mentionCount: 2 });
    // The viewer's own message mentioning their role: read, never a mention.
    apply('MessageCreated', {
      ...created('1014', BOB_ID, 'me'),
      channelId: plain,
      parentChannelId: plain,
      mentions: { users: [], roles: ['410'], everyone: false, here: false },
    });
    expect(guild().channels[0]).toMatchObject({ lastReadMessageId: '1014', mentionCount: 2 });
    expect(guild().mentionCount).toBe(2);
  });

  it('drops live role mentions in a guild whose settings suppress them, as the server does', () => {
    const { apollo, apply } = setup(BOB_ID);
    cacheGuildUnreads(apollo, ['201']);
    cacheMyGuilds(apollo, ['410']);
    cacheNotifications(apollo, { suppressRoles: true });
    const mention = (id: string, mentions: object) =>
      apply('MessageCreated', {
        ...created(id, ALICE.id, 'hey'),
        channelId: '201',
        parentChannelId: '201',
        mentions,
      });
    mention('1010', { users: [], roles: ['410'], everyone: false, here: false });
    expect(guildUnreads(apollo)).toMatchObject({ unread: true, mentionCount: 0 });
    expect(guildUnreads(apollo).channels[0]).toMatchObject({ unread: true, mentionCount: 0 });
    // Suppressing roles leaves a direct mention counted.
    mention('1011', { users: [BOB_ID], roles: ['410'], everyone: false, here: false });
    expect(guildUnreads(apollo)).toMatchObject({ mentionCount: 1 });
  });

  it("follows the viewer's roles live: after a role grant, a mention of that role counts", async () => {
    let granted = false;
    const { apollo, apply, requests } = setup(BOB_ID, {
      // The viewer's membership read again after GuildMemberUpdated, as the API answers it.
      GuildMember: (variables) => ({
        __typename: 'Query',
        guildMember: variables.userId === BOB_ID ? bobMember(granted ? ['412'] : []) : null,
      }),
    });
    cacheGuildUnreads(apollo, ['201']);
    cacheMyGuilds(apollo, []);
    const mention = (id: string) =>
      apply('MessageCreated', {
        ...created(id, ALICE.id, 'hey <@&412>'),
        channelId: '201',
        parentChannelId: '201',
        mentions: { users: [], roles: ['412'], everyone: false, here: false },
      });
    mention('1010');
    expect(guildUnreads(apollo)).toMatchObject({ unread: true, mentionCount: 0 });

    granted = true;
    apply('GuildMemberUpdated', { guildId: GUILD, actorId: ALICE.id, userId: BOB_ID, fields: ['roles'] });
    expect(requests).toEqual(['GuildMember']);
    await expect.poll(() => cachedRoleIds(apollo)).toEqual(['412']);
    mention('1011');
    expect(guildUnreads(apollo)).toMatchObject({ mentionCount: 1 });
    expect(guildUnreads(apollo).channels[0]).toMatchObject({ lastMessageId: '1011', mentionCount: 1 });
  });

  it('ignores event types it does not know', () => {
    const { history, apply } = setup();
    apply('SomethingNew', { messageId: '1001' });
    expect(history()).toHaveLength(2);
  });
});

const UNREADS = parse(
  'query U { unreads { directChannels { channelId lastMessageId lastReadMessageId unread mentionCount } } }',
);
const GUILD_UNREADS = parse(
  'query GU { unreads { guilds { guildId unread mentionCount channels { channelId lastMessageId lastReadMessageId unread mentionCount muted } } } }',
);
const NOTIFICATIONS = parse(`query N { mySettings {
  guilds { guildId level muted muteEndsAt suppressEveryone suppressRoles }
  channels { channelId level muted muteEndsAt }
} }`);
const GUILD_CHANNELS = parse('fragment GuildChannels on Guild { id channels { id name } }');
const SETTINGS = parse('query S { mySettings { version guildOrder } }');
const MUTED_UNREADS = parse(
  'query MU { unreads { directChannels { channelId lastMessageId lastReadMessageId unread mentionCount muted } } }',
);

type Client = ReturnType<typeof setup>['apollo'];

/** Bob's membership of GUILD with these roles, as GuildMember answers it. */
function bobMember(roleIds: string[]): NonNullable<GuildMemberQuery['guildMember']> {
  return {
    __typename: 'Member',
    guildId: GUILD,
    userId: BOB_ID,
    nickname: null,
    roleIds,
    color: null,
    avatarUrl: null,
    guild: { __typename: 'Guild', id: GUILD },
    user: { __typename: 'User', id: BOB_ID, displayName: 'Bob', handle: 'bob', createdAt: ALICE.createdAt },
    roles: roleIds.map((id, i) => ({
      __typename: 'Role',
      id,
      name: `Role ${id}`,
      color: 0,
      position: i + 1,
    })),
    timeoutUntil: null,
    permissions: '0',
    joinedAt: ALICE.createdAt,
  };
}

/** The guild list as the client loads it at sign-in, with Bob's role ids in GUILD. */
function cacheMyGuilds(apollo: Client, roleIds: string[]): void {
  apollo.cache.writeQuery({
    query: MyGuildsDocument,
    data: {
      __typename: 'Query',
      myGuilds: [
        {
          __typename: 'Guild',
          id: GUILD,
          name: 'Guild',
          icon: null,
          iconUrl: null,
          description: null,
          public: false,
          owner: { __typename: 'User', id: ALICE.id, displayName: 'Alice' },
          systemChannel: null,
          basePermissions: '0',
          memberCount: 2,
          createdAt: ALICE.createdAt,
          me: {
            __typename: 'Member',
            guildId: GUILD,
            userId: BOB_ID,
            nickname: null,
            roleIds,
            color: null,
            avatarUrl: null,
          },
        },
      ],
    },
  });
}

const cachedRoleIds = (apollo: Client) =>
  apollo.cache.readFragment<{ roleIds: string[] }>({
    id: `Member:${GUILD}:${BOB_ID}`,
    fragment: parse('fragment R on Member { roleIds }'),
  })?.roleIds;

/** GUILD's unread badges, with a read state for each channel. */
function cacheGuildUnreads(apollo: Client, channelIds: string[]): void {
  apollo.cache.writeQuery({
    query: GUILD_UNREADS,
    data: {
      unreads: {
        __typename: 'Unreads',
        guilds: [
          {
            __typename: 'GuildUnreads',
            guildId: GUILD,
            unread: false,
            mentionCount: 0,
            channels: channelIds.map((channelId) => ({
              __typename: 'ReadState',
              channelId,
              lastMessageId: '1002',
              lastReadMessageId: '1002',
              unread: false,
              mentionCount: 0,
              muted: false,
            })),
          },
        ],
      },
    },
  });
}

const guildUnreads = (apollo: Client) =>
  apollo.cache.readQuery<{
    unreads: { guilds: { unread: boolean; mentionCount: number; channels: object[] }[] };
  }>({ query: GUILD_UNREADS })!.unreads.guilds[0]!;

/** Bob's notification settings for GUILD (and a channel set to NOTHING). */
function cacheNotifications(
  apollo: Client,
  { suppressRoles, silentChannel }: { suppressRoles: boolean; silentChannel?: string },
): void {
  apollo.cache.writeQuery({
    query: NOTIFICATIONS,
    data: {
      mySettings: {
        __typename: 'UserSettings',
        guilds: [
          {
            __typename: 'GuildSettings',
            guildId: GUILD,
            level: null,
            muted: false,
            muteEndsAt: null,
            suppressEveryone: false,
            suppressRoles,
          },
        ],
        channels: silentChannel
          ? [
              {
                __typename: 'ChannelSettings',
                channelId: silentChannel,
                level: 'NOTHING',
                muted: false,
                muteEndsAt: null,
              },
            ]
          : [],
      },
    },
  });
}
