import fs from 'node:fs';

import {
  AuthzAcceptFriendRequestDocument,
  AuthzAcceptInviteDocument,
  AuthzAddGroupDmRecipientDocument,
  AuthzAddMemberRoleDocument,
  AuthzAuditLogDocument,
  AuthzBanMemberDocument,
  AuthzBlockUserDocument,
  AuthzChannelDocument,
  AuthzCreateChannelDocument,
  AuthzCreateEmojiDocument,
  AuthzCreateGroupDmDocument,
  AuthzCreateInviteDocument,
  AuthzCreateRoleDocument,
  AuthzDeclineFriendRequestDocument,
  AuthzDeleteChannelDocument,
  AuthzDeleteChannelOverwriteDocument,
  AuthzDeleteEmojiDocument,
  AuthzDeleteGuildDocument,
  AuthzDeleteRoleDocument,
  AuthzEmojiDocument,
  AuthzGuildBansDocument,
  AuthzGuildInvitesDocument,
  AuthzGuildMemberDocument,
  AuthzInviteDocument,
  AuthzKickMemberDocument,
  AuthzLeaveGroupDmDocument,
  AuthzLeaveGuildDocument,
  AuthzMessagesDocument,
  AuthzMyDirectChannelsDocument,
  AuthzOpenDirectMessageDocument,
  AuthzRelationshipsDocument,
  AuthzRemoveFriendDocument,
  AuthzRemoveGroupDmRecipientDocument,
  AuthzRemoveMemberRoleDocument,
  AuthzRenameEmojiDocument,
  AuthzReorderChannelsDocument,
  AuthzReorderRolesDocument,
  AuthzRevokeInviteDocument,
  AuthzSendFriendRequestDocument,
  AuthzSendMessageDocument,
  AuthzSetChannelOverwriteDocument,
  AuthzTimeoutMemberDocument,
  AuthzTransferGuildOwnershipDocument,
  AuthzUnbanMemberDocument,
  AuthzUnblockUserDocument,
  AuthzUpdateChannelDocument,
  AuthzUpdateGuildDocument,
  AuthzUpdateMemberDocument,
  AuthzUpdateRoleDocument,
  ChannelMessagesDocument,
  CreateGuildDocument,
  GuildDocument,
  GuildMembersDocument,
  MeDocument,
  MessageByIdDocument,
  MessageCreatedDocument,
  MyGuildsDocument,
  RefreshJwtDocument,
  RequestPasswordResetDocument,
  ResendVerificationEmailDocument,
  ResetPasswordDocument,
  SendMessageDocument,
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
import { buildSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  BITS,
  CALLERS,
  PEOPLE,
  buildGuild,
  buildMainGuild,
  call,
  createPeople,
  freshChannel,
  freshRoles,
  joinAs,
  ok,
  outcomeOf,
  perCaller,
  targetMember,
  unique,
  type Account,
  type Caller,
  type Outcome,
  type Person,
  type World,
} from './authorization-world.ts';
import { RELAXED_LIMITS, SECRETS, tempConfig } from './support.ts';

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

const hourFromNow = () => new Date(Date.now() + 3_600_000).toISOString();
/** The caller's own account, or some other user's id when anonymous (refused before it matters). */
const selfId = (w: World, c: Caller) => w.people[c === 'anonymous' ? 'member' : c].id;

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

/** The owner's group DM with the member and one more user. */
const groupDm = async (w: World, other: Account) =>
  (
    await ok(w, 'owner', AuthzCreateGroupDmDocument, {
      userIds: [w.people.member.id, other.id],
      name: `group-${unique()}`,
    })
  ).createGroupDm.id;

/** A fresh channel with an overwrite for each caller's fresh role. */
async function channelWithRoleOverwrites(w: World, where: 'aboveLower' | 'bottom') {
  const channelId = await freshChannel(w, w.main.id);
  const roles = await freshRoles(w, w.main, where);
  for (const c of CALLERS)
    await ok(w, 'owner', AuthzSetChannelOverwriteDocument, {
      channelId,
      input: { targetType: 'ROLE', targetId: roles[c].id, allow: BITS.ADD_REACTIONS.toString(), deny: '0' },
    });
  return { channelId, roles };
}

/** One row per operation of the API schema (`Type.field`), plus variants (`Type.field — variant`). */
const MATRIX: Record<string, Row<unknown>> = {
  // --- accounts: sign-up and sign-in work without a JWT; the rest needs one ---
  'Query.me': row({ expect: signedIn, run: (w, c) => call(w, c, MeDocument, {}) }),
  'Query.user': row({
    expect: signedIn,
    run: (w, c) => call(w, c, UserByIdDocument, { id: w.people.owner.id }),
  }),
  'Query.userByHandle': row({
    expect: signedIn,
    run: (w, c) => call(w, c, UserByHandleDocument, { handle: 'nobody_here' }),
  }),
  'Mutation.signUp': row({
    expect: everyone('OK'),
    run: (w, c) =>
      call(w, c, SignUpDocument, {
        input: { email: `authz-${unique()}@example.test`, password: 'long enough', displayName: 'A' },
      }),
  }),
  'Mutation.resendVerificationEmail': row({
    expect: everyone('OK'),
    run: (w, c) => call(w, c, ResendVerificationEmailDocument, { email: `x-${unique()}@example.test` }),
  }),
  // Reachable by anyone: the token is the credential, so a bogus one is refused on its own merits.
  'Mutation.verifyEmail': row({
    expect: everyone('INVALID_TOKEN'),
    run: (w, c) => call(w, c, VerifyEmailDocument, { token: 'bogus' }),
  }),
  'Mutation.signIn': row({
    expect: everyone('OK'),
    run: (w, c) =>
      call(w, c, SignInDocument, {
        input: { email: w.people.member.email, password: w.people.member.password },
      }),
  }),
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
  'Mutation.requestPasswordReset': row({
    expect: everyone('OK'),
    run: (w, c) => call(w, c, RequestPasswordResetDocument, { email: `x-${unique()}@example.test` }),
  }),
  'Mutation.resetPassword': row({
    expect: everyone('INVALID_TOKEN'),
    run: (w, c) => call(w, c, ResetPasswordDocument, { token: 'bogus', newPassword: 'long enough' }),
  }),
  'Mutation.updateProfile': row({
    expect: signedIn,
    run: (w, c) => call(w, c, UpdateProfileDocument, { input: { displayName: `Renamed ${c}` } }),
  }),

  // --- friends and blocks: about the caller's own relationships, so any signed-in user ---
  'Query.relationships': row({ expect: signedIn, run: (w, c) => call(w, c, AuthzRelationshipsDocument, {}) }),
  'Mutation.sendFriendRequest': row({
    expect: signedIn,
    setup: (w) => Promise.resolve(w.take()),
    run: (w, c, target) => call(w, c, AuthzSendFriendRequestDocument, { handle: target.handle }),
  }),
  'Mutation.sendFriendRequest — to a user who blocked the caller': row({
    expect: nobody,
    setup: async (w) => {
      const blocker = w.take();
      await perCaller(PEOPLE, (p) =>
        gqlOk(w.url, AuthzBlockUserDocument, { userId: w.people[p].id }, blocker.jwt),
      );
      return blocker;
    },
    run: (w, c, blocker) => call(w, c, AuthzSendFriendRequestDocument, { handle: blocker.handle }),
  }),
  'Mutation.acceptFriendRequest': row({
    expect: signedIn,
    setup: async (w) => {
      const requester = w.take();
      await perCaller(PEOPLE, (p) =>
        gqlOk(w.url, AuthzSendFriendRequestDocument, { handle: w.people[p].handle }, requester.jwt),
      );
      return requester;
    },
    run: (w, c, requester) => call(w, c, AuthzAcceptFriendRequestDocument, { userId: requester.id }),
  }),
  'Mutation.declineFriendRequest': row({
    expect: signedIn,
    setup: async (w) => {
      const requester = w.take();
      await perCaller(PEOPLE, (p) =>
        gqlOk(w.url, AuthzSendFriendRequestDocument, { handle: w.people[p].handle }, requester.jwt),
      );
      return requester;
    },
    run: (w, c, requester) => call(w, c, AuthzDeclineFriendRequestDocument, { userId: requester.id }),
  }),
  'Mutation.removeFriend': row({
    expect: signedIn,
    setup: async (w) => {
      const friend = w.take();
      await perCaller(PEOPLE, async (p) => {
        await gqlOk(w.url, AuthzSendFriendRequestDocument, { handle: w.people[p].handle }, friend.jwt);
        await ok(w, p, AuthzAcceptFriendRequestDocument, { userId: friend.id });
      });
      return friend;
    },
    run: (w, c, friend) => call(w, c, AuthzRemoveFriendDocument, { userId: friend.id }),
  }),
  'Mutation.blockUser': row({
    expect: signedIn,
    setup: (w) => Promise.resolve(w.take()),
    run: (w, c, target) => call(w, c, AuthzBlockUserDocument, { userId: target.id }),
  }),
  'Mutation.unblockUser': row({
    expect: signedIn,
    setup: async (w) => {
      const target = w.take();
      await perCaller(PEOPLE, (p) => ok(w, p, AuthzBlockUserDocument, { userId: target.id }));
      return target;
    },
    run: (w, c, target) => call(w, c, AuthzUnblockUserDocument, { userId: target.id }),
  }),

  // --- guilds ---
  'Query.guild': row({ expect: members, run: (w, c) => call(w, c, GuildDocument, { id: w.main.id }) }),
  // Existence is checked before membership: NOT_FOUND for everyone signed in.
  'Query.guild — a deleted guild': row({
    expect: { ...everyone('NOT_FOUND'), anonymous: 'UNAUTHENTICATED' },
    setup: async (w) => {
      const { id } = await buildGuild(w, 'Gone');
      await ok(w, 'owner', AuthzDeleteGuildDocument, { id });
      return id;
    },
    run: (w, c, id) => call(w, c, GuildDocument, { id }),
  }),
  'Query.myGuilds': row({ expect: signedIn, run: (w, c) => call(w, c, MyGuildsDocument, {}) }),
  'Mutation.createGuild': row({
    expect: signedIn,
    run: (w, c) => call(w, c, CreateGuildDocument, { name: `Guild of ${c}` }),
  }),
  'Mutation.updateGuild': row({
    expect: permissioned, // MANAGE_GUILD
    run: (w, c) =>
      call(w, c, AuthzUpdateGuildDocument, { id: w.main.id, input: { description: `Edited by ${c}` } }),
  }),
  'Mutation.deleteGuild': row({
    expect: ownerOnly,
    setup: (w) => perCaller(CALLERS, () => buildGuild(w, 'Doomed')),
    run: (w, c, guilds) => call(w, c, AuthzDeleteGuildDocument, { id: guilds[c].id }),
  }),
  // Every member may leave but the owner, who must transfer ownership first.
  'Mutation.leaveGuild': row({
    expect: { ...members, owner: FORBIDDEN },
    setup: (w) => buildGuild(w, 'Revolving door'),
    run: (w, c, guild) => call(w, c, AuthzLeaveGuildDocument, { id: guild.id }),
  }),
  'Mutation.transferGuildOwnership': row({
    expect: ownerOnly,
    setup: async (w) => {
      const heir = w.take();
      const guilds = await perCaller(CALLERS, async () => {
        const guild = await buildGuild(w, 'Inheritance');
        await joinAs(w, guild.id, heir);
        return guild;
      });
      return { heir, guilds };
    },
    run: (w, c, { heir, guilds }) =>
      call(w, c, AuthzTransferGuildOwnershipDocument, { guildId: guilds[c].id, userId: heir.id }),
  }),
  'Query.guildMembers': row({
    expect: members,
    run: (w, c) => call(w, c, GuildMembersDocument, { guildId: w.main.id }),
  }),
  'Query.guildMember': row({
    expect: members,
    run: (w, c) => call(w, c, AuthzGuildMemberDocument, { guildId: w.main.id, userId: w.people.owner.id }),
  }),

  // --- channels ---
  'Query.channel': row({
    expect: members,
    run: (w, c) => call(w, c, AuthzChannelDocument, { id: w.main.generalId }),
  }),
  'Query.channel — private channel': row({
    expect: privateChannel,
    run: (w, c) => call(w, c, AuthzChannelDocument, { id: w.main.privateId }),
  }),
  'Query.channel — DM': row({
    expect: participants,
    run: (w, c) => call(w, c, AuthzChannelDocument, { id: w.main.dmId }),
  }),
  'Mutation.createChannel': row({
    expect: permissioned, // MANAGE_CHANNELS
    run: (w, c) => call(w, c, AuthzCreateChannelDocument, { guildId: w.main.id, input: { name: `by-${c}` } }),
  }),
  'Mutation.updateChannel': row({
    expect: permissioned, // MANAGE_CHANNELS
    setup: (w) => freshChannel(w, w.main.id),
    run: (w, c, channelId) =>
      call(w, c, AuthzUpdateChannelDocument, { id: channelId, input: { topic: `by ${c}` } }),
  }),
  // MANAGE_CHANNELS from a role is worth nothing in a channel the caller cannot view.
  'Mutation.updateChannel — private channel': row({
    expect: privateChannel,
    run: (w, c) =>
      call(w, c, AuthzUpdateChannelDocument, { id: w.main.privateId, input: { topic: `by ${c}` } }),
  }),
  'Mutation.deleteChannel': row({
    expect: permissioned, // MANAGE_CHANNELS
    setup: (w) => perCaller(CALLERS, () => freshChannel(w, w.main.id)),
    run: (w, c, channels) => call(w, c, AuthzDeleteChannelDocument, { id: channels[c] }),
  }),
  'Mutation.reorderChannels': row({
    expect: permissioned, // MANAGE_CHANNELS
    setup: (w) => freshChannel(w, w.main.id),
    run: (w, c, channelId) =>
      call(w, c, AuthzReorderChannelsDocument, {
        guildId: w.main.id,
        positions: [{ id: channelId, position: 5 }],
      }),
  }),
  // MANAGE_ROLES, and a role target below the caller's highest role.
  'Mutation.setChannelOverwrite': row({
    expect: hierarchical,
    setup: async (w) => ({
      channelId: await freshChannel(w, w.main.id),
      roles: await freshRoles(w, w.main, 'aboveLower'),
    }),
    run: (w, c, { channelId, roles }) =>
      call(w, c, AuthzSetChannelOverwriteDocument, {
        channelId,
        input: { targetType: 'ROLE', targetId: roles[c].id, allow: BITS.ADD_REACTIONS.toString(), deny: '0' },
      }),
  }),
  // Overwrites of members carry no rank: MANAGE_ROLES is enough, whoever the member is.
  'Mutation.setChannelOverwrite — member target': row({
    expect: permissioned,
    setup: async (w) => ({
      target: await targetMember(w, w.main),
      channels: await perCaller(CALLERS, () => freshChannel(w, w.main.id)),
    }),
    run: (w, c, { target, channels }) =>
      call(w, c, AuthzSetChannelOverwriteDocument, {
        channelId: channels[c],
        input: { targetType: 'MEMBER', targetId: target.id, allow: BITS.ADD_REACTIONS.toString(), deny: '0' },
      }),
  }),
  // MANAGE_ROLES, and a role target below the caller's highest role, as for setting one.
  'Mutation.deleteChannelOverwrite': row({
    expect: hierarchical,
    setup: (w) => channelWithRoleOverwrites(w, 'aboveLower'),
    run: (w, c, { channelId, roles }) =>
      call(w, c, AuthzDeleteChannelOverwriteDocument, { channelId, targetId: roles[c].id }),
  }),
  'Mutation.deleteChannelOverwrite — role below every caller': row({
    expect: permissioned,
    setup: (w) => channelWithRoleOverwrites(w, 'bottom'),
    run: (w, c, { channelId, roles }) =>
      call(w, c, AuthzDeleteChannelOverwriteDocument, { channelId, targetId: roles[c].id }),
  }),
  'Query.myDirectChannels': row({
    expect: signedIn,
    run: (w, c) => call(w, c, AuthzMyDirectChannelsDocument, {}),
  }),

  // --- roles: MANAGE_ROLES, on roles below the caller's highest ---
  'Mutation.createRole': row({
    expect: permissioned,
    run: (w, c) => call(w, c, AuthzCreateRoleDocument, { guildId: w.main.id, input: { name: `by-${c}` } }),
  }),
  // Nobody grants a permission they do not hold: only ADMINISTRATOR holders (and the owner) grant it.
  'Mutation.createRole — granting ADMINISTRATOR': row({
    expect: { ...permissioned, permitted: FORBIDDEN, lower: FORBIDDEN, higher: FORBIDDEN },
    run: (w, c) =>
      call(w, c, AuthzCreateRoleDocument, {
        guildId: w.main.id,
        input: { name: `admins-by-${c}`, permissions: BITS.ADMINISTRATOR.toString() },
      }),
  }),
  'Mutation.updateRole': row({
    expect: hierarchical,
    setup: (w) => freshRoles(w, w.main, 'aboveLower'),
    run: (w, c, roles) =>
      call(w, c, AuthzUpdateRoleDocument, { id: roles[c].id, input: { name: `edited-by-${c}` } }),
  }),
  'Mutation.updateRole — granting ADMINISTRATOR': row({
    expect: { ...hierarchical, permitted: FORBIDDEN, higher: FORBIDDEN },
    setup: (w) => freshRoles(w, w.main, 'aboveLower'),
    run: (w, c, roles) =>
      call(w, c, AuthzUpdateRoleDocument, {
        id: roles[c].id,
        input: { permissions: BITS.ADMINISTRATOR.toString() },
      }),
  }),
  'Mutation.deleteRole': row({
    expect: hierarchical,
    setup: (w) => freshRoles(w, w.main, 'aboveLower'),
    run: (w, c, roles) => call(w, c, AuthzDeleteRoleDocument, { id: roles[c].id }),
  }),
  // Each caller "moves" its role to where it is: only the rank check can refuse it.
  'Mutation.reorderRoles': row({
    expect: hierarchical,
    setup: (w) => freshRoles(w, w.main, 'aboveLower'),
    run: (w, c, roles) =>
      call(w, c, AuthzReorderRolesDocument, { guildId: w.main.id, positions: [roles[c]] }),
  }),
  'Mutation.addMemberRole': row({
    expect: hierarchical,
    setup: async (w) => {
      const recipient = w.take();
      await joinAs(w, w.main.id, recipient);
      return { recipient, roles: await freshRoles(w, w.main, 'aboveLower') };
    },
    run: (w, c, { recipient, roles }) =>
      call(w, c, AuthzAddMemberRoleDocument, {
        guildId: w.main.id,
        userId: recipient.id,
        roleId: roles[c].id,
      }),
  }),
  'Mutation.removeMemberRole': row({
    expect: hierarchical,
    setup: async (w) => {
      const holder = w.take();
      await joinAs(w, w.main.id, holder);
      const roles = await freshRoles(w, w.main, 'aboveLower');
      for (const c of CALLERS)
        await ok(w, 'owner', AuthzAddMemberRoleDocument, {
          guildId: w.main.id,
          userId: holder.id,
          roleId: roles[c].id,
        });
      return { holder, roles };
    },
    run: (w, c, { holder, roles }) =>
      call(w, c, AuthzRemoveMemberRoleDocument, {
        guildId: w.main.id,
        userId: holder.id,
        roleId: roles[c].id,
      }),
  }),

  // --- members ---
  // Someone else's nickname: MANAGE_NICKNAMES, on a member below the caller.
  'Mutation.updateMember': row({
    expect: hierarchical,
    setup: (w) => targetMember(w, w.main),
    run: (w, c, target) =>
      call(w, c, AuthzUpdateMemberDocument, {
        guildId: w.main.id,
        userId: target.id,
        input: { nickname: `named by ${c}` },
      }),
  }),
  // One's own nickname: CHANGE_NICKNAME, which @everyone holds by default.
  'Mutation.updateMember — own nickname': row({
    expect: members,
    run: (w, c) =>
      call(w, c, AuthzUpdateMemberDocument, {
        guildId: w.main.id,
        userId: selfId(w, c),
        input: { nickname: `I am ${c}` },
      }),
  }),
  'Mutation.timeoutMember': row({
    expect: hierarchical, // MODERATE_MEMBERS
    setup: (w) => targetMember(w, w.main),
    run: (w, c, target) =>
      call(w, c, AuthzTimeoutMemberDocument, { guildId: w.main.id, userId: target.id, until: hourFromNow() }),
  }),

  // --- moderation and audit ---
  'Mutation.kickMember': row({
    expect: hierarchical, // KICK_MEMBERS
    setup: (w) => perCaller(CALLERS, () => targetMember(w, w.main)),
    run: (w, c, targets) =>
      call(w, c, AuthzKickMemberDocument, { guildId: w.main.id, userId: targets[c].id }),
  }),
  // Outranking is strict: the same highest role (Manager) is not enough.
  'Mutation.kickMember — a member of the same rank': row({
    expect: { ...hierarchical, permitted: FORBIDDEN },
    setup: (w) =>
      perCaller(CALLERS, async () => {
        const peer = w.take();
        await joinAs(w, w.main.id, peer, w.main.roles.manager);
        return peer;
      }),
    run: (w, c, targets) =>
      call(w, c, AuthzKickMemberDocument, { guildId: w.main.id, userId: targets[c].id }),
  }),
  // Nobody acts on the owner, not even the owner (who would leave by transferring ownership).
  'Mutation.kickMember — the owner': row({
    expect: nobody,
    setup: (w) => buildGuild(w, 'Untouchable'),
    run: (w, c, guild) =>
      call(w, c, AuthzKickMemberDocument, { guildId: guild.id, userId: w.people.owner.id }),
  }),
  'Mutation.banMember': row({
    expect: hierarchical, // BAN_MEMBERS
    setup: (w) => perCaller(CALLERS, () => targetMember(w, w.main)),
    run: (w, c, targets) => call(w, c, AuthzBanMemberDocument, { guildId: w.main.id, userId: targets[c].id }),
  }),
  // A banned user holds no roles, so there is no rank to outrank: BAN_MEMBERS is enough.
  'Mutation.unbanMember': row({
    expect: permissioned,
    setup: (w) =>
      perCaller(CALLERS, async () => {
        const user = w.take();
        await ok(w, 'owner', AuthzBanMemberDocument, { guildId: w.main.id, userId: user.id });
        return user;
      }),
    run: (w, c, banned) => call(w, c, AuthzUnbanMemberDocument, { guildId: w.main.id, userId: banned[c].id }),
  }),
  'Query.guildBans': row({
    expect: permissioned, // BAN_MEMBERS
    run: (w, c) => call(w, c, AuthzGuildBansDocument, { guildId: w.main.id }),
  }),
  'Query.auditLog': row({
    expect: permissioned, // VIEW_AUDIT_LOG
    run: (w, c) => call(w, c, AuthzAuditLogDocument, { guildId: w.main.id }),
  }),

  // --- invites ---
  // CREATE_INVITE, which @everyone holds by default...
  'Mutation.createInvite': row({
    expect: members,
    run: (w, c) => call(w, c, AuthzCreateInviteDocument, { guildId: w.main.id, input: { maxUses: 1 } }),
  }),
  // ...except in a channel whose overwrites deny it to @everyone and allow it to Lower, Manager and Senior.
  'Mutation.createInvite — restricted channel': row({
    expect: permissioned,
    run: (w, c) =>
      call(w, c, AuthzCreateInviteDocument, {
        guildId: w.main.id,
        input: { channelId: w.main.restrictedId, maxUses: 1 },
      }),
  }),
  'Mutation.createInvite — private channel': row({
    expect: privateChannel,
    run: (w, c) =>
      call(w, c, AuthzCreateInviteDocument, {
        guildId: w.main.id,
        input: { channelId: w.main.privateId, maxUses: 1 },
      }),
  }),
  'Query.guildInvites': row({
    expect: permissioned, // MANAGE_GUILD
    run: (w, c) => call(w, c, AuthzGuildInvitesDocument, { guildId: w.main.id }),
  }),
  // A preview is for deciding whether to join: anyone signed in, even the banned.
  'Query.invite': row({
    expect: signedIn,
    run: (w, c) => call(w, c, AuthzInviteDocument, { code: w.main.inviteCode }),
  }),
  // The invite's creator, or MANAGE_GUILD: the owner's invites, so the plain member may not.
  'Mutation.revokeInvite': row({
    expect: permissioned,
    setup: (w) =>
      perCaller(CALLERS, async () => {
        const { createInvite } = await ok(w, 'owner', AuthzCreateInviteDocument, {
          guildId: w.main.id,
          input: { maxUses: 0 },
        });
        return createInvite.code;
      }),
    run: (w, c, codes) => call(w, c, AuthzRevokeInviteDocument, { code: codes[c] }),
  }),
  // Members may revoke the invites they made themselves; those who cannot make one get the owner's.
  'Mutation.revokeInvite — own invite': row({
    expect: members,
    setup: (w) =>
      perCaller(CALLERS, async (c) => {
        const maker: Person = c === 'anonymous' || c === 'outsider' || c === 'banned' ? 'owner' : c;
        const { createInvite } = await ok(w, maker, AuthzCreateInviteDocument, {
          guildId: w.main.id,
          input: { maxUses: 0 },
        });
        return createInvite.code;
      }),
    run: (w, c, codes) => call(w, c, AuthzRevokeInviteDocument, { code: codes[c] }),
  }),
  // Outsiders join; members (and the owner) are already in, which is fine; the banned are refused.
  'Mutation.acceptInvite': row({
    expect: { ...signedIn, banned: FORBIDDEN },
    setup: async (w) => {
      const guild = await buildGuild(w, 'Open house');
      const { createInvite } = await ok(w, 'owner', AuthzCreateInviteDocument, {
        guildId: guild.id,
        input: { maxUses: 0 },
      });
      return createInvite.code;
    },
    run: (w, c, code) => call(w, c, AuthzAcceptInviteDocument, { code }),
  }),

  // --- emoji ---
  // Members of the emoji's guild may use it (anywhere); nobody else sees it.
  'Query.emoji': row({
    expect: members,
    run: (w, c) => call(w, c, AuthzEmojiDocument, { id: w.main.emojiId }),
  }),
  'Mutation.createEmoji': row({
    expect: permissioned, // MANAGE_EMOJIS
    run: (w, c) =>
      call(w, c, AuthzCreateEmojiDocument, {
        guildId: w.main.id,
        input: { name: `by_${c}`, assetRef: `asset:${c}` },
      }),
  }),
  'Mutation.renameEmoji': row({
    expect: permissioned, // MANAGE_EMOJIS
    run: (w, c) => call(w, c, AuthzRenameEmojiDocument, { id: w.main.emojiId, name: `renamed_by_${c}` }),
  }),
  'Mutation.deleteEmoji': row({
    expect: permissioned, // MANAGE_EMOJIS
    setup: (w) =>
      perCaller(CALLERS, async (c) => {
        const { createEmoji } = await ok(w, 'owner', AuthzCreateEmojiDocument, {
          guildId: w.main.id,
          input: { name: `doomed_${c}`, assetRef: 'asset:doomed' },
        });
        return createEmoji.id;
      }),
    run: (w, c, emojis) => call(w, c, AuthzDeleteEmojiDocument, { id: emojis[c] }),
  }),

  // --- DMs and group DMs ---
  'Mutation.openDirectMessage': row({
    expect: signedIn,
    setup: (w) => Promise.resolve(w.take()),
    run: (w, c, peer) => call(w, c, AuthzOpenDirectMessageDocument, { userId: peer.id }),
  }),
  'Mutation.openDirectMessage — with a user who blocked the caller': row({
    expect: nobody,
    setup: async (w) => {
      const blocker = w.take();
      await perCaller(PEOPLE, (p) =>
        gqlOk(w.url, AuthzBlockUserDocument, { userId: w.people[p].id }, blocker.jwt),
      );
      return blocker;
    },
    run: (w, c, blocker) => call(w, c, AuthzOpenDirectMessageDocument, { userId: blocker.id }),
  }),
  'Mutation.createGroupDm': row({
    expect: signedIn,
    setup: (w) => Promise.resolve([w.take(), w.take()]),
    run: (w, c, peers) => call(w, c, AuthzCreateGroupDmDocument, { userIds: peers.map((p) => p.id) }),
  }),
  'Mutation.addGroupDmRecipient': row({
    expect: ownerOnly, // the group DM's owner
    setup: async (w) => {
      const [other, newcomer] = [w.take(), w.take()];
      return { newcomer, groups: await perCaller(CALLERS, () => groupDm(w, other)) };
    },
    run: (w, c, { newcomer, groups }) =>
      call(w, c, AuthzAddGroupDmRecipientDocument, { channelId: groups[c], userId: newcomer.id }),
  }),
  'Mutation.removeGroupDmRecipient': row({
    expect: ownerOnly, // the group DM's owner
    setup: async (w) => {
      const other = w.take();
      return { other, groups: await perCaller(CALLERS, () => groupDm(w, other)) };
    },
    run: (w, c, { other, groups }) =>
      call(w, c, AuthzRemoveGroupDmRecipientDocument, { channelId: groups[c], userId: other.id }),
  }),
  'Mutation.leaveGroupDm': row({
    expect: participants,
    setup: async (w) => {
      const other = w.take();
      return perCaller(CALLERS, () => groupDm(w, other));
    },
    run: (w, c, groups) => call(w, c, AuthzLeaveGroupDmDocument, { channelId: groups[c] }),
  }),

  // --- messages: VIEW_CHANNEL, SEND_MESSAGES and READ_MESSAGE_HISTORY where they are posted ---
  'Query.message': row({
    expect: members,
    run: (w, c) => call(w, c, MessageByIdDocument, { id: w.main.messageId }),
  }),
  'Query.message — private channel': row({
    expect: privateChannel,
    run: (w, c) => call(w, c, MessageByIdDocument, { id: w.main.privateMessageId }),
  }),
  'Query.message — DM': row({
    expect: participants,
    run: (w, c) => call(w, c, MessageByIdDocument, { id: w.main.dmMessageId }),
  }),
  'Query.messages': row({
    expect: members,
    run: (w, c) => call(w, c, ChannelMessagesDocument, { channelId: w.main.generalId }),
  }),
  'Query.messages — private channel': row({
    expect: privateChannel,
    run: (w, c) => call(w, c, AuthzMessagesDocument, { channelId: w.main.privateId }),
  }),
  // Viewable by every member, but READ_MESSAGE_HISTORY is denied to @everyone.
  'Query.messages — restricted channel': row({
    expect: permissioned,
    run: (w, c) => call(w, c, AuthzMessagesDocument, { channelId: w.main.restrictedId }),
  }),
  'Query.messages — DM': row({
    expect: participants,
    run: (w, c) => call(w, c, AuthzMessagesDocument, { channelId: w.main.dmId }),
  }),
  'Mutation.sendMessage': row({
    expect: members,
    run: (w, c) =>
      call(w, c, AuthzSendMessageDocument, { channelId: w.main.generalId, content: `from ${c}` }),
  }),
  'Mutation.sendMessage — private channel': row({
    expect: privateChannel,
    run: (w, c) =>
      call(w, c, AuthzSendMessageDocument, { channelId: w.main.privateId, content: `from ${c}` }),
  }),
  // Viewable by every member, but SEND_MESSAGES is denied to @everyone.
  'Mutation.sendMessage — restricted channel': row({
    expect: permissioned,
    run: (w, c) =>
      call(w, c, AuthzSendMessageDocument, { channelId: w.main.restrictedId, content: `from ${c}` }),
  }),
  'Mutation.sendMessage — DM': row({
    expect: participants,
    run: (w, c) => call(w, c, AuthzSendMessageDocument, { channelId: w.main.dmId, content: `from ${c}` }),
  }),
  // Each caller's DM with a user who then blocked them.
  'Mutation.sendMessage — DM with a user who blocked the caller': row({
    expect: nobody,
    setup: async (w) => {
      const blocker = w.take();
      const dms = await perCaller(PEOPLE, async (p) => {
        const { openDirectMessage } = await ok(w, p, AuthzOpenDirectMessageDocument, { userId: blocker.id });
        await gqlOk(w.url, AuthzBlockUserDocument, { userId: w.people[p].id }, blocker.jwt);
        return openDirectMessage.id;
      });
      return { ...dms, anonymous: w.main.dmId };
    },
    run: (w, c, dms) => call(w, c, AuthzSendMessageDocument, { channelId: dms[c], content: `from ${c}` }),
  }),
  'Subscription.messageCreated': row({
    expect: members,
    sequential: true, // the router's subscription gauge tells when a subscription is live
    run: (w, c) => subscriptionOutcome(w, c, w.main.generalId, 'owner'),
  }),
  'Subscription.messageCreated — private channel': row({
    expect: privateChannel,
    sequential: true,
    run: (w, c) => subscriptionOutcome(w, c, w.main.privateId, 'owner'),
  }),
  'Subscription.messageCreated — DM': row({
    expect: participants,
    sequential: true,
    run: (w, c) => subscriptionOutcome(w, c, w.main.dmId, 'owner'),
  }),
};

/** "OK: member, owner; FORBIDDEN: outsider; UNAUTHENTICATED: anonymous" */
function describeExpectation(expectation: Expectation): string {
  const byOutcome = new Map<Outcome, Caller[]>();
  for (const c of CALLERS) byOutcome.set(expectation[c], [...(byOutcome.get(expectation[c]) ?? []), c]);
  return [...byOutcome].map(([outcome, callers]) => `${outcome}: ${callers.join(', ')}`).join('; ');
}

/** Users for targets and peers, handed out once each by World.take(). */
const SPARE_USERS = 62;

describe('authorization matrix, through the router (embedded)', () => {
  let gochat: GochatProcess;
  const world = {} as World;

  beforeAll(async () => {
    const { dir, file } = tempConfig(RELAXED_LIMITS);
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
