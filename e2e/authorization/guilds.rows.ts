import {
  AuthzAcceptInviteDocument,
  AuthzAddGroupDmRecipientDocument,
  AuthzAddMemberRoleDocument,
  AuthzAuditLogDocument,
  AuthzBanMemberDocument,
  AuthzChannelDocument,
  AuthzCreateChannelDocument,
  AuthzCreateEmojiDocument,
  AuthzCreateGroupDmDocument,
  AuthzCreateInviteDocument,
  AuthzCreateRoleDocument,
  AuthzDeleteChannelDocument,
  AuthzDeleteChannelOverwriteDocument,
  AuthzDeleteEmojiDocument,
  AuthzDeleteGuildDocument,
  AuthzDeleteRoleDocument,
  AuthzEmojiDocument,
  AuthzGuildBansDocument,
  AuthzGuildInvitesDocument,
  AuthzGuildMemberDocument,
  AuthzGuildViewDocument,
  AuthzInviteDocument,
  AuthzKickMemberDocument,
  AuthzLeaveGroupDmDocument,
  AuthzLeaveGuildDocument,
  AuthzMyDirectChannelsDocument,
  AuthzMyGuildsAndDirectChannelsDocument,
  AuthzOpenDirectMessageDocument,
  AuthzRealtimeAccessDocument,
  AuthzRemoveGroupDmRecipientDocument,
  AuthzRemoveMemberRoleDocument,
  AuthzRenameEmojiDocument,
  AuthzReorderChannelsDocument,
  AuthzReorderRolesDocument,
  AuthzRevokeInviteDocument,
  AuthzSetChannelOverwriteDocument,
  AuthzTimeoutMemberDocument,
  AuthzTransferGuildOwnershipDocument,
  AuthzUnbanMemberDocument,
  AuthzUpdateChannelDocument,
  AuthzUpdateGuildDocument,
  AuthzUpdateMemberDocument,
  AuthzUpdateRoleDocument,
  CreateGuildDocument,
  GuildDocument,
  GuildMembersDocument,
  MyGuildsDocument,
  gql,
} from '@gochat/testkit';

import {
  blockerOfEveryone,
  buildGuild,
  freshChannel,
  freshInvite,
  freshMember,
  freshRoles,
  joinAs,
  spareUser,
  targetMember,
} from './fixtures.ts';
import {
  FORBIDDEN,
  each,
  everyone,
  hierarchical,
  members,
  nobody,
  op,
  opEach,
  opWith,
  ownerOnly,
  participants,
  permissioned,
  privateChannel,
  row,
  signedIn,
  type Rows,
} from './rows.ts';
import {
  BITS,
  CALLERS,
  ok,
  outcomeOf,
  perCaller,
  unique,
  type Caller,
  type Outcome,
  type Person,
  type World,
} from './world.ts';

const hourFromNow = () => new Date(Date.now() + 3_600_000).toISOString();
/** The caller's own account, or some other user's id when anonymous (refused before it matters). */
const selfId = (w: World, c: Caller) => w.people[c === 'anonymous' ? 'member' : c].id;
/** Variables naming the main guild, and a user in it. */
const inMain = (w: World) => ({ guildId: w.main.id });
const userInMain = (user: { id: string }, w: World) => ({ guildId: w.main.id, userId: user.id });
/** An overwrite that allows ADD_REACTIONS to the target. */
const allowReactions = (targetType: 'ROLE' | 'MEMBER', targetId: string) => ({
  targetType,
  targetId,
  allow: BITS.ADD_REACTIONS.toString(),
  deny: '0',
});

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

/** The guilds subgraph: guilds, channels, overwrites, roles, members, moderation, invites, emoji, DMs. */
export const guildsRows: Rows = {
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
};
