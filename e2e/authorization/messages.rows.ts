import {
  AuthzAckMessageDocument,
  AuthzAddReactionDocument,
  AuthzBlockUserDocument,
  AuthzBulkDeleteMessagesDocument,
  AuthzCreateThreadDocument,
  AuthzDeleteMessageDocument,
  AuthzEditMessageDocument,
  AuthzJoinThreadDocument,
  AuthzLeaveThreadDocument,
  AuthzMessagesDocument,
  AuthzOpenDirectMessageDocument,
  AuthzPinMessageDocument,
  AuthzReactionUsersDocument,
  AuthzRemoveAllReactionsDocument,
  AuthzRemoveReactionDocument,
  AuthzSeenByDocument,
  AuthzSendMessageDocument,
  AuthzSendRichEmbedDocument,
  AuthzStartTypingDocument,
  AuthzSuppressEmbedsDocument,
  AuthzThreadDocument,
  AuthzThreadStarterDocument,
  AuthzUnpinMessageDocument,
  AuthzUnreadsDocument,
  AuthzUpdateThreadDocument,
  ChannelMessagesDocument,
  MessageByIdDocument,
  MessageCreatedDocument,
  MessagesByIdsDocument,
  RecentMentionsDocument,
  SendMessageDocument,
  gql,
  gqlOk,
  wsConnect,
} from '@gochat/testkit';

import { MEMBERS, authorFor, postMessage, postThread, poster } from './fixtures.ts';
import {
  FORBIDDEN,
  each,
  members,
  nobody,
  op,
  opEach,
  opWith,
  participants,
  permissioned,
  privateChannel,
  row,
  signedIn,
  type Expectation,
  type Rows,
} from './rows.ts';
import {
  PEOPLE,
  disconnect,
  ok,
  outcomeOf,
  perCaller,
  refusalOf,
  unique,
  type Caller,
  type Outcome,
  type Person,
  type World,
} from './world.ts';

/** A row in which each caller subscribes to a channel of the main guild (see subscriptionOutcome). */
const subscription = (expect: Expectation, channel: 'generalId' | 'privateId' | 'dmId') =>
  row({
    expect,
    sequential: true, // the router's subscription gauge tells when a subscription is live
    run: (w, c) => subscriptionOutcome(w, c, w.main[channel], 'owner'),
  });

/** A message from the caller to a channel of the main guild. */
const post = (channel: 'generalId' | 'privateId' | 'restrictedId' | 'dmId') => (w: World, c: Caller) => ({
  channelId: w.main[channel],
  content: `from ${c}`,
});

/** Subscribes as the caller, then has `sender` post: OK when the caller receives it. */
async function subscriptionOutcome(w: World, c: Caller, channelId: string, sender: Person): Promise<Outcome> {
  const ws = wsConnect(w.url, w.jwt(c));
  try {
    const live = ws.subscribe(MessageCreatedDocument, { channelId });
    const refused = await refusalOf(w, ws, live);
    if (refused) return refused;
    const sent = await ok(w, sender, SendMessageDocument, { channelId, content: `to ${c}` });
    const [payload] = await live.waitForPayloads(1);
    return payload?.messageCreated.id === sent.sendMessage.id ? 'OK' : 'WRONG_PAYLOAD';
  } finally {
    await disconnect(w, ws);
  }
}

// Fixtures of the messaging rows.
const THUMBS = { unicode: '👍' };
type MessageChannel = 'generalId' | 'privateId' | 'limitedId';
/** A message by the poster (a plain member: "someone else's" for every caller). */
const othersMessage = (channel: MessageChannel) => async (w: World) =>
  postMessage(w, await poster(w), w.main[channel]);
/** A message by the owner, in the private channel only the Manager role sees. */
const privateMessage = async (w: World) => postMessage(w, w.people.owner, w.main.privateId);
/** The caller's own message in general (the poster's for non-members, who are refused anyway). */
const ownMessage = async (w: World, c: Caller) => postMessage(w, await authorFor(w, c), w.main.generalId);
/** A message in general that the poster reacted to. */
async function othersReaction(w: World) {
  const author = await poster(w);
  const messageId = await postMessage(w, author, w.main.generalId);
  await gqlOk(
    w.url,
    AuthzAddReactionDocument,
    { channelId: w.main.generalId, messageId, emoji: THUMBS },
    author.jwt,
  );
  return { messageId, userId: author.id };
}
/** A thread under general, started by the poster. */
const othersThread = async (w: World) => postThread(w, await poster(w), w.main.generalId);
/** A thread under the private channel, started by the owner. */
const privateThread = (w: World) => postThread(w, w.people.owner, w.main.privateId);
/** The caller's own thread under general (the poster's for non-members). */
const ownThread = async (w: World, c: Caller) => postThread(w, await authorFor(w, c), w.main.generalId);
/**
 * OK when the caller's mentions inbox for the main guild lists the message, FORBIDDEN when it answers
 * without it, else the error.
 */
async function listsMention(w: World, c: Caller, messageId: string): Promise<Outcome> {
  const result = await gql(w.url, RecentMentionsDocument, { guildId: w.main.id, limit: 100 }, w.jwt(c));
  const outcome = outcomeOf(result);
  if (outcome !== 'OK') return outcome;
  return result.data?.recentMentions.some((m) => m.id === messageId) ? 'OK' : FORBIDDEN;
}
/** Variables for an operation on a message in general. */
const inGeneral = (messageId: string, w: World) => ({ channelId: w.main.generalId, messageId });

/** The messages subgraph: messages, reactions, pins, threads, typing, read states, messageCreated. */
export const messagesRows: Rows = {
  // --- messages: VIEW_CHANNEL, SEND_MESSAGES and READ_MESSAGE_HISTORY where they are posted ---
  'Query.message': op(members, MessageByIdDocument, (w) => ({
    channelId: w.main.generalId,
    id: w.main.messageId,
  })),
  'Query.message — private channel': op(privateChannel, MessageByIdDocument, (w) => ({
    channelId: w.main.privateId,
    id: w.main.privateMessageId,
  })),
  'Query.message — DM': op(participants, MessageByIdDocument, (w) => ({
    channelId: w.main.dmId,
    id: w.main.dmMessageId,
  })),
  'Query.messages': op(members, ChannelMessagesDocument, (w) => ({ channelId: w.main.generalId })),
  'Query.messages — private channel': op(privateChannel, AuthzMessagesDocument, (w) => ({
    channelId: w.main.privateId,
  })),
  // Viewable by every member, but READ_MESSAGE_HISTORY is denied to @everyone.
  'Query.messages — restricted channel': op(permissioned, AuthzMessagesDocument, (w) => ({
    channelId: w.main.restrictedId,
  })),
  'Query.messages — DM': op(participants, AuthzMessagesDocument, (w) => ({ channelId: w.main.dmId })),
  'Query.messagesByIds': op(members, MessagesByIdsDocument, (w) => ({
    channelId: w.main.generalId,
    ids: [w.main.messageId],
  })),
  'Query.messagesByIds — private channel': op(privateChannel, MessagesByIdsDocument, (w) => ({
    channelId: w.main.privateId,
    ids: [w.main.privateMessageId],
  })),
  // Viewable by every member, but READ_MESSAGE_HISTORY is denied to @everyone.
  'Query.messagesByIds — restricted channel': op(permissioned, MessagesByIdsDocument, (w) => ({
    channelId: w.main.restrictedId,
    ids: [w.main.messageId],
  })),
  'Query.messagesByIds — DM': op(participants, MessagesByIdsDocument, (w) => ({
    channelId: w.main.dmId,
    ids: [w.main.dmMessageId],
  })),
  'Mutation.sendMessage': op(members, AuthzSendMessageDocument, post('generalId')),
  'Mutation.sendMessage — private channel': op(privateChannel, AuthzSendMessageDocument, post('privateId')),
  // Viewable by every member, but SEND_MESSAGES is denied to @everyone.
  'Mutation.sendMessage — restricted channel': op(
    permissioned,
    AuthzSendMessageDocument,
    post('restrictedId'),
  ),
  'Mutation.sendMessage — DM': op(participants, AuthzSendMessageDocument, post('dmId')),
  // Rich embeds need EMBED_LINKS, which @everyone holds by default and is denied in the limited channel.
  'Mutation.sendMessage — rich embed': op(members, AuthzSendRichEmbedDocument, post('generalId')),
  'Mutation.sendMessage — rich embed where EMBED_LINKS is denied': op(
    permissioned,
    AuthzSendRichEmbedDocument,
    (w, c) => ({ channelId: w.main.limitedId, content: `from ${c}` }),
  ),
  'Mutation.sendMessage — rich embed, DM': op(participants, AuthzSendRichEmbedDocument, post('dmId')),
  // Each caller's DM with a user who then blocked them.
  'Mutation.sendMessage — DM with a user who blocked the caller': opEach(
    nobody,
    async (w) => {
      const blocker = w.take();
      const dms = await perCaller(PEOPLE, async (p) => {
        const { openDirectMessage } = await ok(w, p, AuthzOpenDirectMessageDocument, { userId: blocker.id });
        await gqlOk(w.url, AuthzBlockUserDocument, { userId: w.people[p].id }, blocker.jwt);
        return openDirectMessage.id;
      });
      return { ...dms, anonymous: w.main.dmId };
    },
    AuthzSendMessageDocument,
    (channelId, w, c) => ({ channelId, content: `from ${c}` }),
  ),
  // --- messages: edit, delete, bulk delete ---
  'Mutation.editMessage': opEach(members, each(ownMessage), AuthzEditMessageDocument, (id, w, c) => ({
    ...inGeneral(id, w),
    content: `edited by ${c}`,
  })),
  // Only the author edits: not even the owner or an administrator.
  "Mutation.editMessage — someone else's message": opWith(
    nobody,
    othersMessage('generalId'),
    AuthzEditMessageDocument,
    (id, w, c) => ({ ...inGeneral(id, w), content: `edited by ${c}` }),
  ),
  // Someone else's message: MANAGE_MESSAGES.
  'Mutation.deleteMessage': opEach(
    permissioned,
    each(othersMessage('generalId')),
    AuthzDeleteMessageDocument,
    inGeneral,
  ),
  'Mutation.deleteMessage — own message': opEach(
    members,
    each(ownMessage),
    AuthzDeleteMessageDocument,
    inGeneral,
  ),
  // MANAGE_MESSAGES is worth nothing where the caller cannot see.
  'Mutation.deleteMessage — private channel': opEach(
    privateChannel,
    each(privateMessage),
    AuthzDeleteMessageDocument,
    (messageId, w) => ({ channelId: w.main.privateId, messageId }),
  ),
  // Hiding link previews: the author, or MANAGE_MESSAGES for someone else's message.
  'Mutation.suppressEmbeds': opEach(
    permissioned,
    each(othersMessage('generalId')),
    AuthzSuppressEmbedsDocument,
    inGeneral,
  ),
  'Mutation.suppressEmbeds — own message': opEach(
    members,
    each(ownMessage),
    AuthzSuppressEmbedsDocument,
    inGeneral,
  ),
  'Mutation.bulkDeleteMessages': opEach(
    permissioned, // MANAGE_MESSAGES
    each(async (w) => [await othersMessage('generalId')(w), await othersMessage('generalId')(w)]),
    AuthzBulkDeleteMessagesDocument,
    (messageIds, w) => ({ channelId: w.main.generalId, messageIds }),
  ),
  // Bulk delete is for moderators, even of one's own messages.
  'Mutation.bulkDeleteMessages — own messages': opEach(
    permissioned,
    each(async (w, c) => [await ownMessage(w, c), await ownMessage(w, c)]),
    AuthzBulkDeleteMessagesDocument,
    (messageIds, w) => ({ channelId: w.main.generalId, messageIds }),
  ),

  // --- reactions: reading the message, and ADD_REACTIONS for an emoji new on it ---
  'Mutation.addReaction': opWith(members, othersMessage('generalId'), AuthzAddReactionDocument, (id, w) => ({
    ...inGeneral(id, w),
    emoji: THUMBS,
  })),
  'Mutation.addReaction — custom emoji of the guild': opWith(
    members,
    othersMessage('generalId'),
    AuthzAddReactionDocument,
    (id, w) => ({ ...inGeneral(id, w), emoji: { emojiId: w.main.emojiId } }),
  ),
  // One message per caller, so each adds an emoji new on it.
  'Mutation.addReaction — new emoji where ADD_REACTIONS is denied': opEach(
    permissioned,
    each(othersMessage('limitedId')),
    AuthzAddReactionDocument,
    (messageId, w) => ({ channelId: w.main.limitedId, messageId, emoji: THUMBS }),
  ),
  // Joining an emoji already there needs no ADD_REACTIONS.
  'Mutation.addReaction — existing emoji where ADD_REACTIONS is denied': opWith(
    members,
    async (w) => {
      const messageId = await othersMessage('limitedId')(w);
      await ok(w, 'owner', AuthzAddReactionDocument, {
        channelId: w.main.limitedId,
        messageId,
        emoji: THUMBS,
      });
      return messageId;
    },
    AuthzAddReactionDocument,
    (messageId, w) => ({ channelId: w.main.limitedId, messageId, emoji: THUMBS }),
  ),
  'Mutation.addReaction — private channel': op(privateChannel, AuthzAddReactionDocument, (w) => ({
    channelId: w.main.privateId,
    messageId: w.main.privateMessageId,
    emoji: THUMBS,
  })),
  'Mutation.addReaction — DM': op(participants, AuthzAddReactionDocument, (w) => ({
    channelId: w.main.dmId,
    messageId: w.main.dmMessageId,
    emoji: THUMBS,
  })),
  // One's own reaction: every member who reacted may take it back.
  'Mutation.removeReaction': opWith(
    members,
    async (w) => {
      const messageId = await othersMessage('generalId')(w);
      await perCaller(MEMBERS, (m) =>
        ok(w, m, AuthzAddReactionDocument, { ...inGeneral(messageId, w), emoji: THUMBS }),
      );
      return messageId;
    },
    AuthzRemoveReactionDocument,
    (id, w) => ({ ...inGeneral(id, w), emoji: THUMBS }),
  ),
  "Mutation.removeReaction — another user's": opEach(
    permissioned, // MANAGE_MESSAGES
    each(othersReaction),
    AuthzRemoveReactionDocument,
    ({ messageId, userId }, w) => ({ ...inGeneral(messageId, w), emoji: THUMBS, userId }),
  ),
  'Mutation.removeAllReactions': opEach(
    permissioned, // MANAGE_MESSAGES
    each(othersReaction),
    AuthzRemoveAllReactionsDocument,
    ({ messageId }, w) => inGeneral(messageId, w),
  ),
  'Query.reactionUsers': op(members, AuthzReactionUsersDocument, (w) => ({
    ...inGeneral(w.main.messageId, w),
    emoji: THUMBS,
  })),
  'Query.reactionUsers — private channel': op(privateChannel, AuthzReactionUsersDocument, (w) => ({
    channelId: w.main.privateId,
    messageId: w.main.privateMessageId,
    emoji: THUMBS,
  })),
  'Query.reactionUsers — DM': op(participants, AuthzReactionUsersDocument, (w) => ({
    channelId: w.main.dmId,
    messageId: w.main.dmMessageId,
    emoji: THUMBS,
  })),

  // --- pins: MANAGE_MESSAGES ---
  'Mutation.pinMessage': opEach(
    permissioned,
    each(othersMessage('generalId')),
    AuthzPinMessageDocument,
    inGeneral,
  ),
  'Mutation.pinMessage — private channel': opEach(
    privateChannel,
    each(privateMessage),
    AuthzPinMessageDocument,
    (messageId, w) => ({ channelId: w.main.privateId, messageId }),
  ),
  'Mutation.unpinMessage': opEach(
    permissioned,
    each(async (w) => {
      const messageId = await othersMessage('generalId')(w);
      await ok(w, 'owner', AuthzPinMessageDocument, inGeneral(messageId, w));
      return messageId;
    }),
    AuthzUnpinMessageDocument,
    inGeneral,
  ),

  // --- threads: inherit the parent channel's permissions ---
  'Query.thread': opWith(members, othersThread, AuthzThreadDocument, (id) => ({ id })),
  'Query.thread — private channel': opWith(privateChannel, privateThread, AuthzThreadDocument, (id) => ({
    id,
  })),
  // A thread is visible with VIEW_CHANNEL, its starter message only with READ_MESSAGE_HISTORY too:
  // HIDDEN when the thread is shown but its starter message is null.
  'Query.thread — starter message where READ_MESSAGE_HISTORY is denied': row<string>({
    expect: { ...permissioned, member: 'HIDDEN' },
    setup: async (w) => {
      const messageId = await postMessage(w, w.people.owner, w.main.restrictedId);
      const { createThread } = await ok(w, 'owner', AuthzCreateThreadDocument, {
        channelId: w.main.restrictedId,
        messageId,
        name: `starter-${unique()}`,
      });
      return createThread.id;
    },
    run: async (w, c, threadId) => {
      const result = await gql(w.url, AuthzThreadStarterDocument, { id: threadId }, w.jwt(c));
      if (!result.data) {
        w.notes[c] = result.errors?.[0]?.message ?? 'no data';
        return outcomeOf(result);
      }
      return result.data.thread.starterMessage?.message ? 'OK' : 'HIDDEN';
    },
  }),
  // CREATE_THREADS, which @everyone holds by default.
  'Mutation.createThread': op(members, AuthzCreateThreadDocument, (w, c) => ({
    channelId: w.main.generalId,
    name: `by ${c}`,
  })),
  // From a message: one thread per message, so one message per caller.
  'Mutation.createThread — from a message': opEach(
    members,
    each(othersMessage('generalId')),
    AuthzCreateThreadDocument,
    (messageId, w, c) => ({ ...inGeneral(messageId, w), name: `from ${c}` }),
  ),
  'Mutation.createThread — where CREATE_THREADS is denied': op(
    permissioned,
    AuthzCreateThreadDocument,
    (w, c) => ({
      channelId: w.main.limitedId,
      name: `by ${c}`,
    }),
  ),
  'Mutation.createThread — private channel': op(privateChannel, AuthzCreateThreadDocument, (w, c) => ({
    channelId: w.main.privateId,
    name: `by ${c}`,
  })),
  // Someone else's thread: MANAGE_THREADS.
  'Mutation.updateThread': opWith(
    permissioned,
    othersThread,
    AuthzUpdateThreadDocument,
    (threadId, w, c) => ({
      threadId,
      name: `renamed by ${c}`,
    }),
  ),
  // Its owner renames it...
  'Mutation.updateThread — own thread': opEach(
    members,
    each(ownThread),
    AuthzUpdateThreadDocument,
    (threadId, w, c) => ({ threadId, name: `renamed by ${c}` }),
  ),
  // ...but locking takes MANAGE_THREADS, even for its owner.
  'Mutation.updateThread — locking own thread': opEach(
    permissioned,
    each(ownThread),
    AuthzUpdateThreadDocument,
    (threadId) => ({ threadId, locked: true }),
  ),
  'Mutation.joinThread': opWith(members, othersThread, AuthzJoinThreadDocument, (threadId) => ({ threadId })),
  'Mutation.joinThread — private channel': opWith(
    privateChannel,
    privateThread,
    AuthzJoinThreadDocument,
    (threadId) => ({ threadId }),
  ),
  'Mutation.leaveThread': opWith(
    members,
    async (w) => {
      const threadId = await othersThread(w);
      await perCaller(MEMBERS, (m) => ok(w, m, AuthzJoinThreadDocument, { threadId }));
      return threadId;
    },
    AuthzLeaveThreadDocument,
    (threadId) => ({ threadId }),
  ),
  // SEND_MESSAGES_IN_THREADS, which @everyone holds by default...
  'Mutation.sendMessage — thread': opWith(
    members,
    othersThread,
    AuthzSendMessageDocument,
    (channelId, w, c) => ({
      channelId,
      content: `from ${c}`,
    }),
  ),
  // ...and MANAGE_THREADS in a locked thread.
  'Mutation.sendMessage — locked thread': opWith(
    permissioned,
    async (w) => {
      const threadId = await othersThread(w);
      await ok(w, 'owner', AuthzUpdateThreadDocument, { threadId, locked: true });
      return threadId;
    },
    AuthzSendMessageDocument,
    (channelId, w, c) => ({ channelId, content: `from ${c}` }),
  ),

  // --- typing: where the caller may send ---
  'Mutation.startTyping': op(members, AuthzStartTypingDocument, (w) => ({ channelId: w.main.generalId })),
  'Mutation.startTyping — private channel': op(privateChannel, AuthzStartTypingDocument, (w) => ({
    channelId: w.main.privateId,
  })),
  // Viewable by every member, but SEND_MESSAGES is denied to @everyone.
  'Mutation.startTyping — restricted channel': op(permissioned, AuthzStartTypingDocument, (w) => ({
    channelId: w.main.restrictedId,
  })),
  'Mutation.startTyping — DM': op(participants, AuthzStartTypingDocument, (w) => ({
    channelId: w.main.dmId,
  })),
  'Mutation.startTyping — thread': opWith(members, othersThread, AuthzStartTypingDocument, (channelId) => ({
    channelId,
  })),
  'Mutation.startTyping — locked thread': opWith(
    permissioned, // MANAGE_THREADS
    async (w) => {
      const threadId = await othersThread(w);
      await ok(w, 'owner', AuthzUpdateThreadDocument, { threadId, locked: true });
      return threadId;
    },
    AuthzStartTypingDocument,
    (channelId) => ({ channelId }),
  ),

  // --- read states: one's own, where one can read ---
  'Query.unreads': op(signedIn, AuthzUnreadsDocument, () => ({})),

  // --- the mentions inbox: one's own, where one can read now; other guilds are not revealed ---
  'Query.recentMentions': op(signedIn, RecentMentionsDocument, () => ({})),
  'Query.recentMentions — one guild': op(
    { ...members, outsider: 'NOT_FOUND', banned: 'NOT_FOUND' },
    RecentMentionsDocument,
    (w) => ({ guildId: w.main.id }),
  ),
  'Query.recentMentions — @everyone in the private channel': row({
    // The owner wrote it, and one's own messages are never listed.
    expect: { ...privateChannel, owner: FORBIDDEN, outsider: 'NOT_FOUND', banned: 'NOT_FOUND' },
    setup: (w) => postMessage(w, w.people.owner, w.main.privateId, `@everyone ${unique()}`),
    run: (w, c, messageId) => listsMention(w, c, messageId),
  }),
  'Mutation.ackMessage': op(members, AuthzAckMessageDocument, (w) => inGeneral(w.main.messageId, w)),
  'Mutation.ackMessage — private channel': op(privateChannel, AuthzAckMessageDocument, (w) => ({
    channelId: w.main.privateId,
    messageId: w.main.privateMessageId,
  })),
  'Mutation.ackMessage — DM': op(participants, AuthzAckMessageDocument, (w) => ({
    channelId: w.main.dmId,
    messageId: w.main.dmMessageId,
  })),
  'Query.seenBy': op(members, AuthzSeenByDocument, (w) => inGeneral(w.main.messageId, w)),
  'Query.seenBy — private channel': op(privateChannel, AuthzSeenByDocument, (w) => ({
    channelId: w.main.privateId,
    messageId: w.main.privateMessageId,
  })),
  'Query.seenBy — DM': op(participants, AuthzSeenByDocument, (w) => ({
    channelId: w.main.dmId,
    messageId: w.main.dmMessageId,
  })),

  'Subscription.messageCreated': subscription(members, 'generalId'),
  'Subscription.messageCreated — private channel': subscription(privateChannel, 'privateId'),
  'Subscription.messageCreated — DM': subscription(participants, 'dmId'),
  'Subscription.messageCreated — thread': row({
    expect: members,
    setup: othersThread,
    sequential: true,
    run: (w, c, threadId) => subscriptionOutcome(w, c, threadId, 'owner'),
  }),
};
