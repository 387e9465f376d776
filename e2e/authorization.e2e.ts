import fs from 'node:fs';

import {
  ChannelEventsDocument,
  GuildEventsDocument,
  MemberPresenceDocument,
  ViewerFeedDocument,
  type LiveSubscription,
  AuthzAcceptFriendRequestDocument,
  AuthzAcceptInviteDocument,
  AuthzAckMessageDocument,
  AuthzAddGroupDmRecipientDocument,
  AuthzAddReactionDocument,
  AuthzAddMemberRoleDocument,
  AuthzAuditLogDocument,
  AuthzBanMemberDocument,
  AuthzBlockUserDocument,
  AuthzBulkDeleteMessagesDocument,
  AuthzChannelDocument,
  AuthzCreateChannelDocument,
  AuthzCreateEmojiDocument,
  AuthzCreateGroupDmDocument,
  AuthzCreateInviteDocument,
  AuthzCreateRoleDocument,
  AuthzCreateThreadDocument,
  AuthzDeclineFriendRequestDocument,
  AuthzDeleteChannelDocument,
  AuthzDeleteChannelOverwriteDocument,
  AuthzDeleteEmojiDocument,
  AuthzDeleteGuildDocument,
  AuthzDeleteMessageDocument,
  AuthzDeleteRoleDocument,
  AuthzEditMessageDocument,
  AuthzEmojiDocument,
  AuthzGuildBansDocument,
  AuthzGuildInvitesDocument,
  AuthzGuildMemberDocument,
  AuthzGuildViewDocument,
  AuthzInviteDocument,
  AuthzJoinThreadDocument,
  AuthzKickMemberDocument,
  AuthzLeaveGroupDmDocument,
  AuthzLeaveGuildDocument,
  AuthzLeaveThreadDocument,
  AuthzMessagesDocument,
  AuthzMyDirectChannelsDocument,
  AuthzMyGuildsAndDirectChannelsDocument,
  AuthzOpenDirectMessageDocument,
  AuthzPinMessageDocument,
  AuthzReactionUsersDocument,
  AuthzRealtimeAccessDocument,
  AuthzRelationshipsDocument,
  AuthzRemoveAllReactionsDocument,
  AuthzRemoveFriendDocument,
  AuthzRemoveGroupDmRecipientDocument,
  AuthzRemoveMemberRoleDocument,
  AuthzRemoveReactionDocument,
  AuthzRenameEmojiDocument,
  AuthzReorderChannelsDocument,
  AuthzReorderRolesDocument,
  AuthzRevokeInviteDocument,
  AuthzSeenByDocument,
  AuthzSendFriendRequestDocument,
  AuthzSendMessageDocument,
  AuthzSetChannelOverwriteDocument,
  AuthzStartTypingDocument,
  AuthzThreadDocument,
  AuthzThreadStarterDocument,
  AuthzTimeoutMemberDocument,
  AuthzTransferGuildOwnershipDocument,
  AuthzUnbanMemberDocument,
  AuthzUnblockUserDocument,
  AuthzUnpinMessageDocument,
  AuthzUnreadsDocument,
  AuthzUpdateChannelDocument,
  AuthzUpdateGuildDocument,
  AuthzUpdateMemberDocument,
  AuthzUpdateRoleDocument,
  AuthzUpdateThreadDocument,
  ChannelMessagesDocument,
  CreateGuildDocument,
  GuildDocument,
  GuildMembersDocument,
  MeDocument,
  MessageByIdDocument,
  MessageCreatedDocument,
  MessagesByIdsDocument,
  MyGuildsDocument,
  RefreshJwtDocument,
  RequestPasswordResetDocument,
  ResendVerificationEmailDocument,
  ResetPasswordDocument,
  SendMessageDocument,
  SessionActiveDocument,
  SignInDocument,
  SignOutDocument,
  SignUpDocument,
  UpdateProfileDocument,
  UserByHandleDocument,
  UserByIdDocument,
  VerifyEmailDocument,
  freePort,
  gql,
  gqlOk,
  logMailbox,
  startGochat,
  waitForMetric,
  wsConnect,
  type GochatProcess,
} from '@gochat/testkit';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { buildSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  BITS,
  CALLERS,
  MEMBERS,
  PEOPLE,
  authorFor,
  buildGuild,
  buildMainGuild,
  call,
  createPeople,
  freshChannel,
  freshInvite,
  freshMember,
  freshRoles,
  joinAs,
  ok,
  outcomeOf,
  perCaller,
  postMessage,
  postThread,
  poster,
  targetMember,
  unique,
  type Caller,
  type Outcome,
  type Person,
  type World,
} from './authorization-world.ts';
import { RELAXED_LIMITS, SECRETS, UNLIMITED_WRITES, tempConfig } from './support.ts';

/*
 * Who may run each operation of the API, through the router, for every kind of caller the issue
 * names (see CALLERS in authorization-world.ts). Rows that change state build fresh targets (members,
 * roles, channels, guilds) per caller in `setup`, so every caller acts on the same kind of target and
 * the callers of a row run concurrently.
 *
 * In DM rows the guild's roles mean nothing: the owner is the (group) DM's owner, the member is the
 * other participant, and every other signed-in caller is not a participant.
 */

type Expectation = Record<Caller, Outcome>;

const everyone = (outcome: Outcome) => Object.fromEntries(CALLERS.map((c) => [c, outcome])) as Expectation;
const FORBIDDEN = 'FORBIDDEN';
/** Any signed-in user. */
const signedIn: Expectation = { ...everyone('OK'), anonymous: 'UNAUTHENTICATED' };
/** Members of the guild, whatever their roles. */
const members: Expectation = { ...signedIn, outsider: FORBIDDEN, banned: FORBIDDEN };
/** Members holding the operation's permission (so not the plain member). */
const permissioned: Expectation = { ...members, member: FORBIDDEN };
/** Permission holders who also outrank the target member or role. */
const hierarchical: Expectation = { ...permissioned, lower: FORBIDDEN };
/** Nobody may: refused to everyone signed in. */
const nobody: Expectation = { ...everyone(FORBIDDEN), anonymous: 'UNAUTHENTICATED' };
const ownerOnly: Expectation = { ...nobody, owner: 'OK' };
/**
 * The overwrite-hidden channel: only the Manager role is let back in, so Lower and Senior see nothing
 * there despite their guild permissions; ADMINISTRATOR and the owner see everything.
 */
const privateChannel: Expectation = { ...permissioned, lower: FORBIDDEN, higher: FORBIDDEN };
/** A DM's or group DM's participants: the owner and the member. */
const participants: Expectation = { ...ownerOnly, member: 'OK' };

interface Row<S> {
  expect: Expectation;
  /** Fixtures built once before the callers run, e.g. one fresh target per caller. */
  setup?: (w: World) => Promise<S>;
  run: (w: World, caller: Caller, fixture: S) => Promise<Outcome>;
  /** Run the callers one after another (their observations would interfere). */
  sequential?: boolean;
}
const row = <S = undefined>(r: Row<S>) => r as Row<unknown>;

/** A row that runs `document` as each caller, with variables from the world and the caller. */
const op = <T, V>(
  expect: Expectation,
  document: TypedDocumentNode<T, V>,
  variables: (w: World, c: Caller) => V,
) => row({ expect, run: (w, c) => call(w, c, document, variables(w, c)) });

/** A row whose callers all act on one fixture, built by `setup` before they run. */
const opWith = <S, T, V>(
  expect: Expectation,
  setup: (w: World) => Promise<S>,
  document: TypedDocumentNode<T, V>,
  variables: (fixture: S, w: World, c: Caller) => V,
) => row<S>({ expect, setup, run: (w, c, fixture) => call(w, c, document, variables(fixture, w, c)) });

/** A row in which each caller acts on a target of its own, all built by `targets` before they run. */
const opEach = <S, T, V>(
  expect: Expectation,
  targets: (w: World) => Promise<Record<Caller, S>>,
  document: TypedDocumentNode<T, V>,
  variables: (target: S, w: World, c: Caller) => V,
) => opWith(expect, targets, document, (all, w, c) => variables(all[c], w, c));

/** One target per caller, built concurrently. */
const each =
  <S>(build: (w: World, c: Caller) => Promise<S>) =>
  (w: World) =>
    perCaller(CALLERS, (c) => build(w, c));

/** A row in which each caller subscribes to a channel of the main guild (see subscriptionOutcome). */
const subscription = (expect: Expectation, channel: 'generalId' | 'privateId' | 'dmId') =>
  row({
    expect,
    sequential: true, // the router's subscription gauge tells when a subscription is live
    run: (w, c) => subscriptionOutcome(w, c, w.main[channel], 'owner'),
  });

const hourFromNow = () => new Date(Date.now() + 3_600_000).toISOString();
/** The caller's own account, or some other user's id when anonymous (refused before it matters). */
const selfId = (w: World, c: Caller) => w.people[c === 'anonymous' ? 'member' : c].id;
/** Variables naming the main guild, and a user in it. */
const inMain = (w: World) => ({ guildId: w.main.id });
const userInMain = (user: { id: string }, w: World) => ({ guildId: w.main.id, userId: user.id });
/** A message from the caller to a channel of the main guild. */
const post = (channel: 'generalId' | 'privateId' | 'restrictedId' | 'dmId') => (w: World, c: Caller) => ({
  channelId: w.main[channel],
  content: `from ${c}`,
});
/** An overwrite that allows ADD_REACTIONS to the target. */
const allowReactions = (targetType: 'ROLE' | 'MEMBER', targetId: string) => ({
  targetType,
  targetId,
  allow: BITS.ADD_REACTIONS.toString(),
  deny: '0',
});

/** Subscribes as the caller, then has `sender` post: OK when the caller receives it. */
async function subscriptionOutcome(w: World, c: Caller, channelId: string, sender: Person): Promise<Outcome> {
  const ws = wsConnect(w.url, w.jwt(c));
  try {
    const live = ws.subscribe(MessageCreatedDocument, { channelId });
    const refused = await Promise.race([
      ws.waitForClose(5_000).then(() => 'closed'),
      live.firstError(5_000).then((errors) => String(errors[0]?.extensions?.code)),
      waitForMetric(w.url, 'gochat_router_active_subscriptions', (v) => v >= 1, {}, 5_000).then(
        () => undefined,
      ),
    ]);
    // A refused connection also fails its subscription; the close code is the answer then.
    const close = ws.closes[0];
    if (close) return close.code === 4401 ? 'UNAUTHENTICATED' : `CLOSED_${close.code}`;
    if (refused) return refused;
    const sent = await ok(w, sender, SendMessageDocument, { channelId, content: `to ${c}` });
    const [payload] = await live.waitForPayloads(1);
    return payload?.messageCreated.id === sent.sendMessage.id ? 'OK' : 'WRONG_PAYLOAD';
  } finally {
    await ws.dispose();
    await waitForMetric(w.url, 'gochat_router_active_subscriptions', (v) => v === 0);
  }
}

type FeedPayload = Record<string, { type: string; data: Record<string, unknown> }>;

/**
 * Opens a real-time feed as the caller, then has `trigger` cause an event: OK when the caller receives
 * it, NOT_DELIVERED when the feed was allowed but filtered it out, else the refusal's code. With no
 * trigger, OK means the feed was accepted.
 */
async function feedOutcome<V>(
  w: World,
  c: Caller,
  document: TypedDocumentNode<unknown, V>,
  variables: V,
  trigger?: (w: World) => Promise<(event: { type: string; data: Record<string, unknown> }) => boolean>,
): Promise<Outcome> {
  const ws = wsConnect(w.url, w.jwt(c));
  try {
    const live = ws.subscribe(document, variables) as unknown as LiveSubscription<FeedPayload>;
    const refused = await Promise.race([
      ws.waitForClose(5_000).then(() => 'closed'),
      live.firstError(5_000).then((errors) => String(errors[0]?.extensions?.code)),
      waitForMetric(w.url, 'gochat_router_active_subscriptions', (v) => v >= 1, {}, 5_000).then(
        () => undefined,
      ),
    ]);
    const close = ws.closes[0];
    if (close) return close.code === 4401 ? 'UNAUTHENTICATED' : `CLOSED_${close.code}`;
    if (refused) return refused;
    if (!trigger) return 'OK';
    const matches = await trigger(w);
    const deadline = Date.now() + 1_500;
    while (Date.now() < deadline) {
      if (live.payloads.some((p) => Object.values(p).some((e) => matches(e)))) return 'OK';
      await new Promise((r) => setTimeout(r, 20));
    }
    return 'NOT_DELIVERED';
  } finally {
    await ws.dispose();
    await waitForMetric(w.url, 'gochat_router_active_subscriptions', (v) => v === 0);
  }
}

/** The owner posts in a channel of the main guild; matches the MessageCreated of that post. */
const ownerPosts = (channel: 'generalId' | 'privateId' | 'dmId') => async (w: World) => {
  const sent = await ok(w, 'owner', SendMessageDocument, {
    channelId: w.main[channel],
    content: 'feed check',
  });
  return (e: { type: string; data: Record<string, unknown> }) =>
    e.type === 'MessageCreated' && e.data.messageId === sent.sendMessage.id;
};

/** Opens a feed and reports whether the owner's post in `channel` reached it. */
const feed = <V>(
  expect: Expectation,
  document: TypedDocumentNode<unknown, V>,
  variables: (w: World) => V,
  channel?: 'generalId' | 'privateId' | 'dmId',
) =>
  row({
    expect,
    sequential: true,
    run: (w, c) => feedOutcome(w, c, document, variables(w), channel ? ownerPosts(channel) : undefined),
  });

/** Sets the caller's presence over their own connection (anonymous cannot connect). */
async function updatePresenceOutcome(w: World, c: Caller): Promise<Outcome> {
  const ws = wsConnect(w.url, w.jwt(c));
  try {
    const result = await ws.client
      .iterate({ query: 'mutation { updatePresence(status: DND) { status } }' })
      .next();
    const close = ws.closes[0];
    if (close) return close.code === 4401 ? 'UNAUTHENTICATED' : `CLOSED_${close.code}`;
    const value = result.value as
      | { data?: { updatePresence?: { status: string } }; errors?: { extensions?: { code?: string } }[] }
      | undefined;
    if (value?.errors?.length) return String(value.errors[0]?.extensions?.code);
    return value?.data?.updatePresence?.status === 'DND' ? 'OK' : 'WRONG_PAYLOAD';
  } catch (error) {
    const close = ws.closes[0];
    if (close) return close.code === 4401 ? 'UNAUTHENTICATED' : `CLOSED_${close.code}`;
    throw error;
  } finally {
    await ws.dispose();
  }
}

/** Members who receive what is posted in a channel, and those whose feed filters it out. */
const delivered = (allowed: Expectation): Expectation =>
  Object.fromEntries(
    CALLERS.map((c) => [
      c,
      allowed[c] === 'OK' ? 'OK' : c === 'anonymous' ? 'UNAUTHENTICATED' : 'NOT_DELIVERED',
    ]),
  ) as Expectation;

const sameIds = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().join() === [...b].sort().join();

/**
 * Runs realtimeAccess as the caller (for one guild when given) and compares it with what the rest of
 * the API shows that caller: their guilds, their DMs, and in the main guild the channels they can
 * view and their permissions. OK when it is exactly their own access; NO_GUILDS when asked for one
 * guild and it lists none (correctly: the caller is not a member).
 */
async function realtimeAccessOutcome(w: World, c: Caller, guildId?: string): Promise<Outcome> {
  const result = await gql(w.url, AuthzRealtimeAccessDocument, { guildId }, w.jwt(c));
  if (!result.data) {
    w.notes[c] = result.errors?.[0]?.message ?? 'no data';
    return outcomeOf(result);
  }
  const access = result.data.realtimeAccess;
  const mine = await ok(w, c as Person, AuthzMyGuildsAndDirectChannelsDocument, {});
  const wanted = guildId ? mine.myGuilds.filter((g) => g.id === guildId) : mine.myGuilds;
  const problems: string[] = [];
  const dmIds = mine.myDirectChannels.map((d) => d.id);
  if (!sameIds(access.directChannelIds, dmIds)) problems.push('DMs');
  const guildIds = wanted.map((g) => g.id);
  if (
    !sameIds(
      access.guilds.map((g) => g.id),
      guildIds,
    )
  )
    problems.push('guilds');
  const main = access.guilds.find((g) => g.id === w.main.id);
  if (main) {
    const { guild } = await ok(w, c as Person, AuthzGuildViewDocument, { id: w.main.id });
    if (
      !sameIds(
        main.channelIds,
        guild.channels.map((ch) => ch.id),
      )
    )
      problems.push('channels');
    if (main.permissions !== guild.me.permissions) problems.push('permissions');
    if (main.memberCount !== guild.memberCount) problems.push('memberCount');
  }
  if (problems.length) {
    w.notes[c] = `differs from the caller's own view: ${problems.join(', ')}`;
    return 'WRONG_ACCESS';
  }
  return guildId && access.guilds.length === 0 ? 'NO_GUILDS' : 'OK';
}

/** OK when the JWT's session is active, INACTIVE when it ended, else the refusal's code. */
async function sessionOutcome(w: World, jwt: string | undefined): Promise<Outcome> {
  const result = await gql(w.url, SessionActiveDocument, {}, jwt);
  if (!result.data) return outcomeOf(result);
  return result.data.sessionActive ? 'OK' : 'INACTIVE';
}

// Fixtures shared by several rows.
const spareUser = (w: World) => Promise.resolve(w.take());
/** A spare user who blocked every signed-in caller. */
async function blockerOfEveryone(w: World) {
  const blocker = w.take();
  await perCaller(PEOPLE, (p) =>
    gqlOk(w.url, AuthzBlockUserDocument, { userId: w.people[p].id }, blocker.jwt),
  );
  return blocker;
}
/** A spare user who sent every signed-in caller a friend request. */
async function requesterOfEveryone(w: World) {
  const requester = w.take();
  await perCaller(PEOPLE, (p) =>
    gqlOk(w.url, AuthzSendFriendRequestDocument, { handle: w.people[p].handle }, requester.jwt),
  );
  return requester;
}
const mainChannel = (w: World) => freshChannel(w, w.main.id);
const mainTarget = (w: World) => targetMember(w, w.main);
const rolesAboveLower = (w: World) => freshRoles(w, w.main, 'aboveLower');
/** One group DM per caller, the owner's with the member and `other`. */
async function groupDms(w: World) {
  const other = w.take();
  const groups = await perCaller(CALLERS, async () => {
    const { createGroupDm } = await ok(w, 'owner', AuthzCreateGroupDmDocument, {
      userIds: [w.people.member.id, other.id],
      name: `group-${unique()}`,
    });
    return createGroupDm.id;
  });
  return { other, groups };
}
/** A fresh channel with an overwrite for each caller's fresh role. */
async function channelWithRoleOverwrites(w: World, where: 'aboveLower' | 'bottom') {
  const channelId = await mainChannel(w);
  const roles = await freshRoles(w, w.main, where);
  for (const c of CALLERS)
    await ok(w, 'owner', AuthzSetChannelOverwriteDocument, {
      channelId,
      input: allowReactions('ROLE', roles[c].id),
    });
  return { channelId, roles };
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
/** Variables for an operation on a message in general. */
const inGeneral = (messageId: string, w: World) => ({ channelId: w.main.generalId, messageId });

/** One row per operation of the API schema (`Type.field`), plus variants (`Type.field — variant`). */
const MATRIX: Record<string, Row<unknown>> = {
  // --- accounts: sign-up and sign-in work without a JWT; the rest needs one ---
  'Query.me': op(signedIn, MeDocument, () => ({})),
  'Query.user': op(signedIn, UserByIdDocument, (w) => ({ id: w.people.owner.id })),
  'Query.userByHandle': op(signedIn, UserByHandleDocument, () => ({ handle: 'nobody_here' })),
  // About the caller's own session: the router asks it as the user when a WebSocket opens.
  'Query.sessionActive': row({ expect: signedIn, run: (w, c) => sessionOutcome(w, w.jwt(c)) }),
  'Query.sessionActive — a signed-out session': row({
    expect: { ...everyone('INACTIVE'), anonymous: 'UNAUTHENTICATED' },
    run: async (w, c) => {
      if (c === 'anonymous') return sessionOutcome(w, undefined);
      const { signIn } = await gqlOk(w.url, SignInDocument, {
        input: { email: w.people[c].email, password: w.people[c].password },
      });
      await gqlOk(w.url, SignOutDocument, {}, signIn.jwt);
      return sessionOutcome(w, signIn.jwt);
    },
  }),
  'Mutation.signUp': op(everyone('OK'), SignUpDocument, () => ({
    input: { email: `authz-${unique()}@example.test`, password: 'long enough', displayName: 'A' },
  })),
  'Mutation.resendVerificationEmail': op(everyone('OK'), ResendVerificationEmailDocument, () => ({
    email: `x-${unique()}@example.test`,
  })),
  // Reachable by anyone: the token is the credential, so a bogus one is refused on its own merits.
  'Mutation.verifyEmail': op(everyone('INVALID_TOKEN'), VerifyEmailDocument, () => ({ token: 'bogus' })),
  'Mutation.signIn': op(everyone('OK'), SignInDocument, (w) => ({
    input: { email: w.people.member.email, password: w.people.member.password },
  })),
  // The session token is the credential: anonymous has none, so it sends a made-up one.
  'Mutation.refreshJwt': row({
    expect: signedIn,
    run: async (w, c) =>
      outcomeOf(
        await gql(w.url, RefreshJwtDocument, {
          sessionToken: c === 'anonymous' ? 'no-session' : w.people[c].sessionToken,
        }),
      ),
  }),
  'Mutation.signOut': row({
    expect: signedIn,
    run: async (w, c) => {
      if (c === 'anonymous') return call(w, c, SignOutDocument, {});
      // A throwaway session, so the caller's main one survives for the other rows.
      const { signIn } = await gqlOk(w.url, SignInDocument, {
        input: { email: w.people[c].email, password: w.people[c].password },
      });
      return outcomeOf(await gql(w.url, SignOutDocument, {}, signIn.jwt));
    },
  }),
  'Mutation.requestPasswordReset': op(everyone('OK'), RequestPasswordResetDocument, () => ({
    email: `x-${unique()}@example.test`,
  })),
  'Mutation.resetPassword': op(everyone('INVALID_TOKEN'), ResetPasswordDocument, () => ({
    token: 'bogus',
    newPassword: 'long enough',
  })),
  'Mutation.updateProfile': op(signedIn, UpdateProfileDocument, (w, c) => ({
    input: { displayName: `Renamed ${c}` },
  })),

  // --- friends and blocks: about the caller's own relationships, so any signed-in user ---
  'Query.relationships': op(signedIn, AuthzRelationshipsDocument, () => ({})),
  'Mutation.sendFriendRequest': opWith(signedIn, spareUser, AuthzSendFriendRequestDocument, (target) => ({
    handle: target.handle,
  })),
  'Mutation.sendFriendRequest — to a user who blocked the caller': opWith(
    nobody,
    blockerOfEveryone,
    AuthzSendFriendRequestDocument,
    (blocker) => ({ handle: blocker.handle }),
  ),
  'Mutation.acceptFriendRequest': opWith(
    signedIn,
    requesterOfEveryone,
    AuthzAcceptFriendRequestDocument,
    (requester) => ({ userId: requester.id }),
  ),
  'Mutation.declineFriendRequest': opWith(
    signedIn,
    requesterOfEveryone,
    AuthzDeclineFriendRequestDocument,
    (requester) => ({ userId: requester.id }),
  ),
  'Mutation.removeFriend': opWith(
    signedIn,
    async (w) => {
      const friend = await requesterOfEveryone(w);
      await perCaller(PEOPLE, (p) => ok(w, p, AuthzAcceptFriendRequestDocument, { userId: friend.id }));
      return friend;
    },
    AuthzRemoveFriendDocument,
    (friend) => ({ userId: friend.id }),
  ),
  'Mutation.blockUser': opWith(signedIn, spareUser, AuthzBlockUserDocument, (target) => ({
    userId: target.id,
  })),
  'Mutation.unblockUser': opWith(
    signedIn,
    async (w) => {
      const target = w.take();
      await perCaller(PEOPLE, (p) => ok(w, p, AuthzBlockUserDocument, { userId: target.id }));
      return target;
    },
    AuthzUnblockUserDocument,
    (target) => ({ userId: target.id }),
  ),

  // --- guilds ---
  'Query.guild': op(members, GuildDocument, (w) => ({ id: w.main.id })),
  // Existence is checked before membership: NOT_FOUND for everyone signed in.
  'Query.guild — a deleted guild': opWith(
    { ...everyone('NOT_FOUND'), anonymous: 'UNAUTHENTICATED' },
    async (w) => {
      const { id } = await buildGuild(w, 'Gone');
      await ok(w, 'owner', AuthzDeleteGuildDocument, { id });
      return id;
    },
    GuildDocument,
    (id) => ({ id }),
  ),
  'Query.myGuilds': op(signedIn, MyGuildsDocument, () => ({})),
  'Mutation.createGuild': op(signedIn, CreateGuildDocument, (w, c) => ({ name: `Guild of ${c}` })),
  'Mutation.updateGuild': op(permissioned /* MANAGE_GUILD */, AuthzUpdateGuildDocument, (w, c) => ({
    id: w.main.id,
    input: { description: `Edited by ${c}` },
  })),
  'Mutation.deleteGuild': opEach(
    ownerOnly,
    each((w) => buildGuild(w, 'Doomed')),
    AuthzDeleteGuildDocument,
    (guild) => ({ id: guild.id }),
  ),
  // Every member may leave but the owner, who must transfer ownership first.
  'Mutation.leaveGuild': opWith(
    { ...members, owner: FORBIDDEN },
    (w) => buildGuild(w, 'Revolving door'),
    AuthzLeaveGuildDocument,
    (guild) => ({ id: guild.id }),
  ),
  'Mutation.transferGuildOwnership': opWith(
    ownerOnly,
    async (w) => {
      const heir = w.take();
      const guilds = await perCaller(CALLERS, async () => {
        const guild = await buildGuild(w, 'Inheritance');
        await joinAs(w, guild.id, heir);
        return guild;
      });
      return { heir, guilds };
    },
    AuthzTransferGuildOwnershipDocument,
    ({ heir, guilds }, w, c) => ({ guildId: guilds[c].id, userId: heir.id }),
  ),
  'Query.guildMembers': op(members, GuildMembersDocument, inMain),
  'Query.guildMember': op(members, AuthzGuildMemberDocument, (w) => userInMain(w.people.owner, w)),

  // --- channels ---
  'Query.channel': op(members, AuthzChannelDocument, (w) => ({ id: w.main.generalId })),
  'Query.channel — private channel': op(privateChannel, AuthzChannelDocument, (w) => ({
    id: w.main.privateId,
  })),
  'Query.channel — DM': op(participants, AuthzChannelDocument, (w) => ({ id: w.main.dmId })),
  'Mutation.createChannel': op(permissioned /* MANAGE_CHANNELS */, AuthzCreateChannelDocument, (w, c) => ({
    ...inMain(w),
    input: { name: `by-${c}` },
  })),
  'Mutation.updateChannel': opWith(
    permissioned, // MANAGE_CHANNELS
    mainChannel,
    AuthzUpdateChannelDocument,
    (id, w, c) => ({ id, input: { topic: `by ${c}` } }),
  ),
  // MANAGE_CHANNELS from a role is worth nothing in a channel the caller cannot view.
  'Mutation.updateChannel — private channel': op(privateChannel, AuthzUpdateChannelDocument, (w, c) => ({
    id: w.main.privateId,
    input: { topic: `by ${c}` },
  })),
  'Mutation.deleteChannel': opEach(
    permissioned, // MANAGE_CHANNELS
    each(mainChannel),
    AuthzDeleteChannelDocument,
    (id) => ({ id }),
  ),
  'Mutation.reorderChannels': opWith(
    permissioned, // MANAGE_CHANNELS
    mainChannel,
    AuthzReorderChannelsDocument,
    (id, w) => ({ ...inMain(w), positions: [{ id, position: 5 }] }),
  ),
  // MANAGE_ROLES, and a role target below the caller's highest role.
  'Mutation.setChannelOverwrite': opWith(
    hierarchical,
    async (w) => ({ channelId: await mainChannel(w), roles: await rolesAboveLower(w) }),
    AuthzSetChannelOverwriteDocument,
    ({ channelId, roles }, w, c) => ({ channelId, input: allowReactions('ROLE', roles[c].id) }),
  ),
  // Overwrites of members carry no rank: MANAGE_ROLES is enough, whoever the member is.
  'Mutation.setChannelOverwrite — member target': opWith(
    permissioned,
    async (w) => ({ target: await mainTarget(w), channels: await each(mainChannel)(w) }),
    AuthzSetChannelOverwriteDocument,
    ({ target, channels }, w, c) => ({ channelId: channels[c], input: allowReactions('MEMBER', target.id) }),
  ),
  // MANAGE_ROLES, and a role target below the caller's highest role, as for setting one.
  'Mutation.deleteChannelOverwrite': opWith(
    hierarchical,
    (w) => channelWithRoleOverwrites(w, 'aboveLower'),
    AuthzDeleteChannelOverwriteDocument,
    ({ channelId, roles }, w, c) => ({ channelId, targetId: roles[c].id }),
  ),
  'Mutation.deleteChannelOverwrite — role below every caller': opWith(
    permissioned,
    (w) => channelWithRoleOverwrites(w, 'bottom'),
    AuthzDeleteChannelOverwriteDocument,
    ({ channelId, roles }, w, c) => ({ channelId, targetId: roles[c].id }),
  ),
  'Query.myDirectChannels': op(signedIn, AuthzMyDirectChannelsDocument, () => ({})),
  // Only ever the caller's own: their guilds, the channels they can view there, and their DMs.
  'Query.realtimeAccess': row({ expect: signedIn, run: (w, c) => realtimeAccessOutcome(w, c) }),
  'Query.realtimeAccess — the main guild': row({
    expect: { ...members, outsider: 'NO_GUILDS', banned: 'NO_GUILDS' },
    run: (w, c) => realtimeAccessOutcome(w, c, w.main.id),
  }),

  // --- roles: MANAGE_ROLES, on roles below the caller's highest ---
  'Mutation.createRole': op(permissioned, AuthzCreateRoleDocument, (w, c) => ({
    ...inMain(w),
    input: { name: `by-${c}` },
  })),
  // Nobody grants a permission they do not hold: only ADMINISTRATOR holders (and the owner) grant it.
  'Mutation.createRole — granting ADMINISTRATOR': op(
    { ...permissioned, permitted: FORBIDDEN, lower: FORBIDDEN, higher: FORBIDDEN },
    AuthzCreateRoleDocument,
    (w, c) => ({
      ...inMain(w),
      input: { name: `admins-by-${c}`, permissions: BITS.ADMINISTRATOR.toString() },
    }),
  ),
  'Mutation.updateRole': opEach(hierarchical, rolesAboveLower, AuthzUpdateRoleDocument, (role, w, c) => ({
    id: role.id,
    input: { name: `edited-by-${c}` },
  })),
  'Mutation.updateRole — granting ADMINISTRATOR': opEach(
    { ...hierarchical, permitted: FORBIDDEN, higher: FORBIDDEN },
    rolesAboveLower,
    AuthzUpdateRoleDocument,
    (role) => ({ id: role.id, input: { permissions: BITS.ADMINISTRATOR.toString() } }),
  ),
  'Mutation.deleteRole': opEach(hierarchical, rolesAboveLower, AuthzDeleteRoleDocument, (role) => ({
    id: role.id,
  })),
  // Each caller "moves" its role to where it is: only the rank check can refuse it.
  'Mutation.reorderRoles': opEach(hierarchical, rolesAboveLower, AuthzReorderRolesDocument, (role, w) => ({
    ...inMain(w),
    positions: [role],
  })),
  'Mutation.addMemberRole': opWith(
    hierarchical,
    async (w) => ({ recipient: await freshMember(w, w.main.id), roles: await rolesAboveLower(w) }),
    AuthzAddMemberRoleDocument,
    ({ recipient, roles }, w, c) => ({ ...userInMain(recipient, w), roleId: roles[c].id }),
  ),
  'Mutation.removeMemberRole': opWith(
    hierarchical,
    async (w) => {
      const holder = await freshMember(w, w.main.id);
      const roles = await rolesAboveLower(w);
      for (const c of CALLERS)
        await ok(w, 'owner', AuthzAddMemberRoleDocument, { ...userInMain(holder, w), roleId: roles[c].id });
      return { holder, roles };
    },
    AuthzRemoveMemberRoleDocument,
    ({ holder, roles }, w, c) => ({ ...userInMain(holder, w), roleId: roles[c].id }),
  ),

  // --- members ---
  // Someone else's nickname: MANAGE_NICKNAMES, on a member below the caller.
  'Mutation.updateMember': opWith(hierarchical, mainTarget, AuthzUpdateMemberDocument, (target, w, c) => ({
    ...userInMain(target, w),
    input: { nickname: `named by ${c}` },
  })),
  // One's own nickname: CHANGE_NICKNAME, which @everyone holds by default.
  'Mutation.updateMember — own nickname': op(members, AuthzUpdateMemberDocument, (w, c) => ({
    ...inMain(w),
    userId: selfId(w, c),
    input: { nickname: `I am ${c}` },
  })),
  'Mutation.timeoutMember': opWith(
    hierarchical, // MODERATE_MEMBERS
    mainTarget,
    AuthzTimeoutMemberDocument,
    (target, w) => ({ ...userInMain(target, w), until: hourFromNow() }),
  ),

  // --- moderation and audit ---
  'Mutation.kickMember': opEach(
    hierarchical /* KICK_MEMBERS */,
    each(mainTarget),
    AuthzKickMemberDocument,
    userInMain,
  ),
  // Outranking is strict: the same highest role (Manager) is not enough.
  'Mutation.kickMember — a member of the same rank': opEach(
    { ...hierarchical, permitted: FORBIDDEN },
    each((w) => freshMember(w, w.main.id, w.main.roles.manager)),
    AuthzKickMemberDocument,
    userInMain,
  ),
  // Nobody acts on the owner, not even the owner (who would leave by transferring ownership).
  'Mutation.kickMember — the owner': opWith(
    nobody,
    (w) => buildGuild(w, 'Untouchable'),
    AuthzKickMemberDocument,
    (guild, w) => ({ guildId: guild.id, userId: w.people.owner.id }),
  ),
  'Mutation.banMember': opEach(
    hierarchical /* BAN_MEMBERS */,
    each(mainTarget),
    AuthzBanMemberDocument,
    userInMain,
  ),
  // A banned user holds no roles, so there is no rank to outrank: BAN_MEMBERS is enough.
  'Mutation.unbanMember': opEach(
    permissioned,
    each(async (w) => {
      const user = w.take();
      await ok(w, 'owner', AuthzBanMemberDocument, userInMain(user, w));
      return user;
    }),
    AuthzUnbanMemberDocument,
    userInMain,
  ),
  'Query.guildBans': op(permissioned /* BAN_MEMBERS */, AuthzGuildBansDocument, inMain),
  'Query.auditLog': op(permissioned /* VIEW_AUDIT_LOG */, AuthzAuditLogDocument, inMain),

  // --- invites ---
  // CREATE_INVITE, which @everyone holds by default...
  'Mutation.createInvite': op(members, AuthzCreateInviteDocument, (w) => ({
    ...inMain(w),
    input: { maxUses: 1 },
  })),
  // ...except in a channel whose overwrites deny it to @everyone and allow it to Lower, Manager and Senior.
  'Mutation.createInvite — restricted channel': op(permissioned, AuthzCreateInviteDocument, (w) => ({
    ...inMain(w),
    input: { channelId: w.main.restrictedId, maxUses: 1 },
  })),
  'Mutation.createInvite — private channel': op(privateChannel, AuthzCreateInviteDocument, (w) => ({
    ...inMain(w),
    input: { channelId: w.main.privateId, maxUses: 1 },
  })),
  'Query.guildInvites': op(permissioned /* MANAGE_GUILD */, AuthzGuildInvitesDocument, inMain),
  // A preview is for deciding whether to join: anyone signed in, even the banned.
  'Query.invite': op(signedIn, AuthzInviteDocument, (w) => ({ code: w.main.inviteCode })),
  // The invite's creator, or MANAGE_GUILD: the owner's invites, so the plain member may not.
  'Mutation.revokeInvite': opEach(
    permissioned,
    each((w) => freshInvite(w, w.main.id)),
    AuthzRevokeInviteDocument,
    (code) => ({ code }),
  ),
  // Members may revoke the invites they made themselves; those who cannot make one get the owner's.
  'Mutation.revokeInvite — own invite': opEach(
    members,
    each((w, c) => {
      const maker: Person = c === 'anonymous' || c === 'outsider' || c === 'banned' ? 'owner' : c;
      return freshInvite(w, w.main.id, maker);
    }),
    AuthzRevokeInviteDocument,
    (code) => ({ code }),
  ),
  // Outsiders join; members (and the owner) are already in, which is fine; the banned are refused.
  'Mutation.acceptInvite': opWith(
    { ...signedIn, banned: FORBIDDEN },
    async (w) => freshInvite(w, (await buildGuild(w, 'Open house')).id),
    AuthzAcceptInviteDocument,
    (code) => ({ code }),
  ),

  // --- emoji ---
  // Members of the emoji's guild may use it (anywhere); nobody else sees it.
  'Query.emoji': op(members, AuthzEmojiDocument, (w) => ({ id: w.main.emojiId })),
  'Mutation.createEmoji': op(permissioned /* MANAGE_EMOJIS */, AuthzCreateEmojiDocument, (w, c) => ({
    ...inMain(w),
    input: { name: `by_${c}`, assetRef: `asset:${c}` },
  })),
  'Mutation.renameEmoji': op(permissioned /* MANAGE_EMOJIS */, AuthzRenameEmojiDocument, (w, c) => ({
    id: w.main.emojiId,
    name: `renamed_by_${c}`,
  })),
  'Mutation.deleteEmoji': opEach(
    permissioned, // MANAGE_EMOJIS
    each(async (w, c) => {
      const { createEmoji } = await ok(w, 'owner', AuthzCreateEmojiDocument, {
        ...inMain(w),
        input: { name: `doomed_${c}`, assetRef: 'asset:doomed' },
      });
      return createEmoji.id;
    }),
    AuthzDeleteEmojiDocument,
    (id) => ({ id }),
  ),

  // --- DMs and group DMs ---
  'Mutation.openDirectMessage': opWith(signedIn, spareUser, AuthzOpenDirectMessageDocument, (peer) => ({
    userId: peer.id,
  })),
  'Mutation.openDirectMessage — with a user who blocked the caller': opWith(
    nobody,
    blockerOfEveryone,
    AuthzOpenDirectMessageDocument,
    (blocker) => ({ userId: blocker.id }),
  ),
  'Mutation.createGroupDm': opWith(
    signedIn,
    (w) => Promise.resolve([w.take(), w.take()]),
    AuthzCreateGroupDmDocument,
    (peers) => ({ userIds: peers.map((p) => p.id) }),
  ),
  'Mutation.addGroupDmRecipient': opWith(
    ownerOnly, // the group DM's owner
    async (w) => ({ ...(await groupDms(w)), newcomer: w.take() }),
    AuthzAddGroupDmRecipientDocument,
    ({ newcomer, groups }, w, c) => ({ channelId: groups[c], userId: newcomer.id }),
  ),
  'Mutation.removeGroupDmRecipient': opWith(
    ownerOnly, // the group DM's owner
    groupDms,
    AuthzRemoveGroupDmRecipientDocument,
    ({ other, groups }, w, c) => ({ channelId: groups[c], userId: other.id }),
  ),
  'Mutation.leaveGroupDm': opEach(
    participants,
    async (w) => (await groupDms(w)).groups,
    AuthzLeaveGroupDmDocument,
    (channelId) => ({ channelId }),
  ),

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

  'Subscription.channelEvents': feed(
    members,
    ChannelEventsDocument,
    (w) => ({ channelId: w.main.generalId }),
    'generalId',
  ),
  'Subscription.channelEvents — private channel': feed(
    privateChannel,
    ChannelEventsDocument,
    (w) => ({ channelId: w.main.privateId }),
    'privateId',
  ),
  'Subscription.channelEvents — DM': feed(
    participants,
    ChannelEventsDocument,
    (w) => ({ channelId: w.main.dmId }),
    'dmId',
  ),
  'Subscription.guildEvents': row({
    expect: members,
    sequential: true,
    run: (w, c) =>
      feedOutcome(w, c, GuildEventsDocument, { guildId: w.main.id }, async () => {
        const { createChannel } = await ok(w, 'owner', AuthzCreateChannelDocument, {
          guildId: w.main.id,
          input: { name: `feed-${unique()}` },
        });
        return (e) => e.type === 'ChannelCreated' && e.data.channelId === createChannel.id;
      }),
  }),
  'Subscription.memberPresence': feed(members, MemberPresenceDocument, (w) => ({
    guildId: w.main.id,
    userIds: [w.people.owner.id],
  })),
  // Anyone signed in may open their viewer feed; what it carries depends on what they may see.
  'Subscription.viewerFeed — a general post': feed(
    delivered(members),
    ViewerFeedDocument,
    () => ({}),
    'generalId',
  ),
  'Subscription.viewerFeed — a private-channel post': feed(
    delivered(privateChannel),
    ViewerFeedDocument,
    () => ({}),
    'privateId',
  ),
  'Subscription.viewerFeed — a DM': feed(delivered(participants), ViewerFeedDocument, () => ({}), 'dmId'),
  'Mutation.updatePresence': row({ expect: signedIn, sequential: true, run: updatePresenceOutcome }),
};

/** "OK: member, owner; FORBIDDEN: outsider; UNAUTHENTICATED: anonymous" */
function describeExpectation(expectation: Expectation): string {
  const byOutcome = new Map<Outcome, Caller[]>();
  for (const c of CALLERS) byOutcome.set(expectation[c], [...(byOutcome.get(expectation[c]) ?? []), c]);
  return [...byOutcome].map(([outcome, callers]) => `${outcome}: ${callers.join(', ')}`).join('; ');
}

/** Fixtures post many messages per row, far beyond the per-user send limit meant for people. */
const FIXTURE_SEND_RATE = `
messages:
  sendRate: { points: 100000, windowSeconds: 10 }
`;

/** Users for targets and peers, handed out once each by World.take(). */
const SPARE_USERS = 64;

describe('authorization matrix, through the router (embedded)', () => {
  let gochat: GochatProcess;
  const world = {} as World;

  beforeAll(async () => {
    const { dir, file } = tempConfig(RELAXED_LIMITS + FIXTURE_SEND_RATE, UNLIMITED_WRITES);
    gochat = await startGochat({
      env: { DATA_DIR: dir, PORT: String(await freePort()), GOCHAT_CONFIG: file, ...SECRETS },
    });
    const users = await createPeople(gochat.url, logMailbox(gochat), PEOPLE.length + SPARE_USERS);
    const people = Object.fromEntries(PEOPLE.map((p, i) => [p, users[i]])) as World['people'];
    const spare = users.slice(PEOPLE.length);
    Object.assign(world, {
      url: gochat.url,
      people,
      jwt: (caller: Caller) => (caller === 'anonymous' ? undefined : people[caller].jwt),
      take: () => {
        const user = spare.shift();
        if (!user) throw new Error('out of spare users: raise SPARE_USERS');
        return user;
      },
      notes: {},
    } satisfies Omit<World, 'main'>);
    world.main = await buildMainGuild(world);
  }, 180_000);

  afterAll(async () => {
    expect(await gochat.stop()).toBe(0);
  });

  it('has a row for every operation in the API schema, and every row names one', () => {
    const schema = buildSchema(
      fs.readFileSync(new URL('../supergraph/api-schema.graphql', import.meta.url), 'utf8'),
    );
    const operations = [
      schema.getQueryType(),
      schema.getMutationType(),
      schema.getSubscriptionType(),
    ].flatMap((type) => (type ? Object.keys(type.getFields()).map((field) => `${type.name}.${field}`) : []));
    const covered = new Set(Object.keys(MATRIX).map((key) => key.split(' — ')[0] ?? key));
    expect(operations.filter((op) => !covered.has(op))).toEqual([]);
    expect([...covered].filter((op) => !operations.includes(op))).toEqual([]);
  });

  for (const [operation, r] of Object.entries(MATRIX))
    it(`${operation} (${describeExpectation(r.expect)})`, async () => {
      const fixture = r.setup ? await r.setup(world) : undefined;
      world.notes = {};
      const outcomes = {} as Expectation;
      if (r.sequential) for (const c of CALLERS) outcomes[c] = await r.run(world, c, fixture);
      else
        await Promise.all(
          CALLERS.map(async (c) => {
            outcomes[c] = await r.run(world, c, fixture);
          }),
        );
      expect(outcomes, `errors: ${JSON.stringify(world.notes)}`).toEqual(r.expect);
    });
});
