import {
  AddMemberRoleDocument,
  AuthzCreateEmojiDocument,
  CreateGuildDocument,
  CreateRoleDocument,
  MsgAckDocument,
  MsgAddReactionDocument,
  MsgChannelThreadsDocument,
  MsgCreateThreadDocument,
  MsgCreatedDocument,
  MsgDeleteDocument,
  MsgEditDocument,
  MsgGetDocument,
  MsgHistoryDocument,
  MsgJoinThreadDocument,
  MsgPinDocument,
  MsgPinnedDocument,
  MsgReactionUsersDocument,
  MsgRemoveReactionDocument,
  MsgSeenByDocument,
  MsgSendDocument,
  MsgThreadDocument,
  MsgUnpinDocument,
  MsgUnreadsDocument,
  gql,
  gqlOk,
  joinGuild,
  metricValue,
  waitForMetric,
  wsConnect,
  type TestUser,
} from '@gochat/testkit';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { expect } from 'vitest';

const codeOf = (result: { errors?: readonly { extensions?: Record<string, unknown> }[] }) =>
  result.errors?.[0]?.extensions?.code;
const byId = (a: { id: string }, b: { id: string }) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1);
const THUMBS = { unicode: '👍' };

/** What the flow made, for suites that check more (e.g. the events in JetStream). */
export interface MessagingFlowResult {
  guildId: string;
  channelId: string;
  threadId: string;
  /** Bob's message, sent twice with one nonce; later edited and the thread's starter. */
  firstId: string;
  /** Alice's message mentioning Bob and Carol's role; reacted to, pinned, unpinned, acked. */
  mentionId: string;
  /** Carol's message in the thread. */
  threadMessageId: string;
  emojiId: string;
}

/**
 * A conversation through a router, as clients would hold it: Alice owns a guild, Bob and Carol
 * (who holds the mentionable Helpers role) are members. Everything goes through `url`; the thread
 * subscription listens at `watchUrl` (another router in the real-servers suite). Shared by the
 * embedded and the real-servers suites.
 */
export async function messagingFlow(
  urls: { url: string; watchUrl?: string },
  users: { alice: TestUser; bob: TestUser; carol: TestUser },
): Promise<MessagingFlowResult> {
  const { url } = urls;
  const watchUrl = urls.watchUrl ?? url;
  const { alice, bob, carol } = users;
  const as = <T, V>(user: TestUser, document: TypedDocumentNode<T, V>, variables: V) =>
    gqlOk(url, document, variables, user.jwt);

  const { createGuild: guild } = await as(alice, CreateGuildDocument, { name: 'Messaging' });
  const channelId = guild.systemChannel!.id;
  await joinGuild(url, alice.jwt, guild.id, bob.jwt);
  await joinGuild(url, alice.jwt, guild.id, carol.jwt);
  const { createRole: helpers } = await as(alice, CreateRoleDocument, {
    guildId: guild.id,
    input: { name: 'Helpers', mentionable: true },
  });
  await as(alice, AddMemberRoleDocument, { guildId: guild.id, userId: carol.id, roleId: helpers.id });

  // A send retried with the same nonce answers the first message and adds nothing.
  const nonce = `retry-${Date.now().toString(36)}`;
  const { sendMessage: first } = await as(bob, MsgSendDocument, { channelId, content: 'hello all', nonce });
  const { sendMessage: retried } = await as(bob, MsgSendDocument, { channelId, content: 'hello all', nonce });
  expect(retried).toMatchObject({ id: first.id, content: 'hello all', author: { id: bob.id } });
  const afterRetry = await as(alice, MsgHistoryDocument, { channelId, limit: 10 });
  expect(afterRetry.messages.filter((m) => m.content === 'hello all').map((m) => m.id)).toEqual([first.id]);

  // A reply keeps rendering after its target is deleted, and says so.
  const { sendMessage: target } = await as(alice, MsgSendDocument, { channelId, content: 'anyone here?' });
  const { sendMessage: reply } = await as(bob, MsgSendDocument, {
    channelId,
    content: 'yes',
    replyToId: target.id,
  });
  expect(reply.replyTo).toEqual({
    messageId: target.id,
    deleted: false,
    message: { id: target.id, content: 'anyone here?' },
  });
  expect((await as(alice, MsgDeleteDocument, { channelId, messageId: target.id })).deleteMessage).toBe(
    target.id,
  );
  const { message: orphan } = await as(carol, MsgGetDocument, { channelId, id: reply.id });
  expect(orphan.replyTo).toEqual({ messageId: target.id, deleted: true, message: null });
  expect(codeOf(await gql(url, MsgGetDocument, { channelId, id: target.id }, carol.jwt))).toBe('NOT_FOUND');

  // Only the author edits; the old content stays in the edit history, which other readers see.
  expect(
    codeOf(
      await gql(url, MsgEditDocument, { channelId, messageId: first.id, content: 'hijacked' }, alice.jwt),
    ),
  ).toBe('FORBIDDEN');
  const { editMessage: edited } = await as(bob, MsgEditDocument, {
    channelId,
    messageId: first.id,
    content: 'hello everyone',
  });
  expect(edited.content).toBe('hello everyone');
  expect(edited.editedAt).not.toBeNull();
  expect(edited.editHistory.map((v) => v.content)).toEqual(['hello all']);
  const { message: seenEdited } = await as(carol, MsgGetDocument, { channelId, id: first.id });
  expect(seenEdited).toMatchObject({ content: 'hello everyone', editHistory: [{ content: 'hello all' }] });

  // Mentions of a user and of a role count as unread mentions until the reader acks.
  const { sendMessage: mention } = await as(alice, MsgSendDocument, {
    channelId,
    content: `hey <@${bob.id}> and <@&${helpers.id}>, look`,
  });
  expect(mention.mentions).toEqual({
    users: [{ id: bob.id }],
    roleIds: [helpers.id],
    everyone: false,
    here: false,
  });
  const readState = async (user: TestUser) => {
    const { unreads } = await as(user, MsgUnreadsDocument, {});
    const inGuild = unreads.guilds.find((g) => g.guildId === guild.id);
    return { guild: inGuild, channel: inGuild?.channels.find((c) => c.channelId === channelId) };
  };
  const bobBefore = await readState(bob);
  expect(bobBefore.channel).toMatchObject({ unread: true, mentionCount: 1, lastMessageId: mention.id });
  expect(bobBefore.guild).toMatchObject({ unread: true, mentionCount: 1 });
  expect((await readState(carol)).channel).toMatchObject({ unread: true, mentionCount: 1 });
  const { ackMessage } = await as(bob, MsgAckDocument, { channelId, messageId: mention.id });
  expect(ackMessage).toMatchObject({ lastReadMessageId: mention.id, unread: false, mentionCount: 0 });
  const bobAfter = await readState(bob);
  expect(bobAfter.channel).toMatchObject({ unread: false, mentionCount: 0 });
  expect(bobAfter.guild).toMatchObject({ mentionCount: 0 });

  // Reactions: a Unicode emoji and the guild's custom emoji, counted per emoji with `me`.
  const { createEmoji } = await as(alice, AuthzCreateEmojiDocument, {
    guildId: guild.id,
    input: { name: 'party', assetRef: 'asset:party' },
  });
  const party = { emojiId: createEmoji.id };
  const onMention = { channelId, messageId: mention.id };
  await as(bob, MsgAddReactionDocument, { ...onMention, emoji: THUMBS });
  await as(carol, MsgAddReactionDocument, { ...onMention, emoji: THUMBS });
  const { addReaction } = await as(carol, MsgAddReactionDocument, { ...onMention, emoji: party });
  expect(addReaction.reactions).toEqual([
    { emoji: { unicode: '👍', emojiId: null }, count: 2, me: true },
    { emoji: { unicode: null, emojiId: createEmoji.id }, count: 1, me: true },
  ]);
  const { message: reactedForBob } = await as(bob, MsgGetDocument, { channelId, id: mention.id });
  expect(reactedForBob.reactions.map((r) => [r.count, r.me])).toEqual([
    [2, true],
    [1, false],
  ]);
  const thumbsUsers = await as(alice, MsgReactionUsersDocument, { ...onMention, emoji: THUMBS });
  expect(thumbsUsers.reactionUsers.map((u) => u.id)).toEqual([bob, carol].sort(byId).map((u) => u.id));
  const firstPage = await as(alice, MsgReactionUsersDocument, { ...onMention, emoji: THUMBS, limit: 1 });
  const nextPage = await as(alice, MsgReactionUsersDocument, {
    ...onMention,
    emoji: THUMBS,
    limit: 1,
    after: firstPage.reactionUsers[0]!.id,
  });
  expect([...firstPage.reactionUsers, ...nextPage.reactionUsers].map((u) => u.id)).toEqual(
    thumbsUsers.reactionUsers.map((u) => u.id),
  );
  const partyUsers = await as(bob, MsgReactionUsersDocument, { ...onMention, emoji: party });
  expect(partyUsers.reactionUsers).toEqual([{ id: carol.id, displayName: carol.displayName }]);
  const { removeReaction } = await as(carol, MsgRemoveReactionDocument, { ...onMention, emoji: THUMBS });
  expect(removeReaction.reactions[0]).toEqual({
    emoji: { unicode: '👍', emojiId: null },
    count: 1,
    me: false,
  });
  const { message: reactedForAlice } = await as(alice, MsgGetDocument, { channelId, id: mention.id });
  expect(reactedForAlice.reactions.map((r) => [r.emoji.unicode ?? r.emoji.emojiId, r.count, r.me])).toEqual([
    ['👍', 1, false],
    [createEmoji.id, 1, false],
  ]);

  // Pins need MANAGE_MESSAGES: Carol may not; Alice pins, lists and unpins.
  expect(codeOf(await gql(url, MsgPinDocument, onMention, carol.jwt))).toBe('FORBIDDEN');
  expect((await as(alice, MsgPinDocument, onMention)).pinMessage).toEqual({ id: mention.id, pinned: true });
  const pinned = await as(carol, MsgPinnedDocument, { channelId });
  expect(pinned.channel.pinnedMessages.map((m) => [m.id, m.pinned])).toEqual([[mention.id, true]]);
  expect((await as(alice, MsgUnpinDocument, onMention)).unpinMessage).toEqual({
    id: mention.id,
    pinned: false,
  });
  expect((await as(carol, MsgPinnedDocument, { channelId })).channel.pinnedMessages).toEqual([]);

  // A thread from Bob's message: Carol joins, and a subscriber of the thread gets its messages.
  const { createThread: thread } = await as(bob, MsgCreateThreadDocument, {
    channelId,
    name: 'Side talk',
    messageId: first.id,
    autoArchiveMinutes: 60,
  });
  expect(thread).toMatchObject({
    name: 'Side talk',
    autoArchiveMinutes: 60,
    archived: false,
    locked: false,
    joined: true,
    memberCount: 1,
    parentChannel: { id: channelId },
    owner: { id: bob.id },
    starterMessage: { messageId: first.id, deleted: false },
  });
  const { message: starter } = await as(carol, MsgGetDocument, { channelId, id: first.id });
  expect(starter.startedThread).toEqual({ id: thread.id });
  const { joinThread } = await as(carol, MsgJoinThreadDocument, { threadId: thread.id });
  expect(joinThread).toMatchObject({ joined: true, memberCount: 2 });
  const listed = await as(carol, MsgChannelThreadsDocument, { channelId });
  expect(listed.channel.threads.map((t) => t.id)).toContain(thread.id);

  const ws = wsConnect(watchUrl, bob.jwt);
  let threadMessageId: string;
  try {
    const active = await metricValue(watchUrl, 'gochat_router_active_subscriptions');
    const live = ws.subscribe(MsgCreatedDocument, { channelId: thread.id });
    await waitForMetric(watchUrl, 'gochat_router_active_subscriptions', (v) => v >= active + 1);
    const { sendMessage: inThread } = await as(carol, MsgSendDocument, {
      channelId: thread.id,
      content: 'in the thread',
    });
    threadMessageId = inThread.id;
    expect(inThread).toMatchObject({
      channelId: thread.id,
      channel: { id: channelId },
      thread: { id: thread.id },
    });
    const [payload] = await live.waitForPayloads(1);
    expect(payload!.messageCreated).toEqual({
      id: inThread.id,
      channelId: thread.id,
      content: 'in the thread',
      thread: { id: thread.id },
      author: { id: carol.id },
    });
  } finally {
    await ws.dispose();
  }
  // The thread's history is read like a channel's; the parent channel's history does not hold it.
  const threadHistory = await as(bob, MsgHistoryDocument, { channelId: thread.id });
  expect(threadHistory.messages.map((m) => m.content)).toEqual(['in the thread']);
  const parentHistory = await as(bob, MsgHistoryDocument, { channelId, limit: 100 });
  expect(parentHistory.messages.map((m) => m.id)).not.toContain(threadMessageId);
  const { thread: reread } = await as(alice, MsgThreadDocument, { id: thread.id });
  expect(reread.members.map((m) => m.user.id).sort()).toEqual([bob.id, carol.id].sort());
  expect(reread.joined).toBe(false);

  // "Seen by": those whose read position is at or past the message.
  const seen = async () =>
    (await as(alice, MsgSeenByDocument, onMention)).seenBy.map((u) => u.id).filter((id) => id !== alice.id);
  expect(await seen()).toEqual([bob.id]);
  await as(carol, MsgAckDocument, onMention);
  expect((await seen()).sort()).toEqual([bob.id, carol.id].sort());
  const olderSeen = await as(bob, MsgSeenByDocument, { channelId, messageId: first.id });
  expect(olderSeen.seenBy.map((u) => u.id)).toEqual(expect.arrayContaining([bob.id, carol.id]));

  return {
    guildId: guild.id,
    channelId,
    threadId: thread.id,
    firstId: first.id,
    mentionId: mention.id,
    threadMessageId,
    emojiId: createEmoji.id,
  };
}
