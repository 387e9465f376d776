import {
  AcceptInviteDocument,
  AddMemberRoleDocument,
  AuditLogDocument,
  BanMemberDocument,
  ChannelDocument,
  ChannelMessagesDocument,
  CreateChannelWithDocument,
  CreateGuildDocument,
  CreateInviteDocument,
  CreateRoleDocument,
  GuildChannelsDocument,
  InvitePreviewDocument,
  SendMessageDocument,
  SetChannelOverwriteDocument,
  gql,
  gqlOk,
  type TestUser,
} from '@gochat/testkit';
import { expect } from 'vitest';

const codeOf = (result: { errors?: readonly { extensions?: Record<string, unknown> }[] }) =>
  result.errors?.[0]?.extensions?.code;

/**
 * The README's walk-through, steps 3-6, through a router: a guild with a role, an overwrite-hidden
 * channel, an invite and a ban. Shared by the embedded and the real-servers suites.
 */
export async function guildWalkthrough(
  url: string,
  users: { alice: TestUser; bob: TestUser; carol: TestUser; spammer: TestUser },
): Promise<void> {
  const { alice, bob, carol, spammer } = users;
  const { createGuild: guild } = await gqlOk(url, CreateGuildDocument, { name: 'Friends' }, alice.jwt);
  const general = guild.systemChannel!.id;
  expect(guild.channels.map((c) => [c.name, c.kind])).toEqual([
    ['Text Channels', 'CATEGORY'],
    ['general', 'TEXT'],
  ]);

  // Step 4: invite, preview, accept (twice: idempotent), and the join message.
  const { createInvite } = await gqlOk(
    url,
    CreateInviteDocument,
    { guildId: guild.id, input: { maxAgeSeconds: 86400, maxUses: 3 } },
    alice.jwt,
  );
  const preview = await gqlOk(url, InvitePreviewDocument, { code: createInvite.code }, bob.jwt);
  expect(preview.invite).toMatchObject({ guildId: guild.id, guildName: 'Friends', memberCount: 1 });
  await gqlOk(url, AcceptInviteDocument, { code: createInvite.code }, bob.jwt);
  await gqlOk(url, AcceptInviteDocument, { code: createInvite.code }, bob.jwt);
  await gqlOk(url, AcceptInviteDocument, { code: createInvite.code }, carol.jwt);
  await gqlOk(url, AcceptInviteDocument, { code: createInvite.code }, spammer.jwt);
  const joins = await gqlOk(url, ChannelMessagesDocument, { channelId: general }, alice.jwt);
  expect(joins.messages.map((m) => m.author.id).sort()).toEqual([bob.id, carol.id, spammer.id].sort());

  // Step 5: a Moderators role for Carol and a channel only they can see.
  const { createRole: mods } = await gqlOk(
    url,
    CreateRoleDocument,
    { guildId: guild.id, input: { name: 'Moderators', permissions: '8198', hoist: true } },
    alice.jwt,
  );
  expect(mods.permissionNames).toEqual(['KICK_MEMBERS', 'BAN_MEMBERS', 'MANAGE_MESSAGES']);
  await gqlOk(
    url,
    AddMemberRoleDocument,
    { guildId: guild.id, userId: carol.id, roleId: mods.id },
    alice.jwt,
  );
  const { createChannel: hidden } = await gqlOk(
    url,
    CreateChannelWithDocument,
    { guildId: guild.id, input: { name: 'mods-only', private: true } },
    alice.jwt,
  );
  const { setChannelOverwrite } = await gqlOk(
    url,
    SetChannelOverwriteDocument,
    { channelId: hidden.id, input: { targetType: 'ROLE', targetId: mods.id, allow: '1024', deny: '0' } },
    alice.jwt,
  );
  expect(setChannelOverwrite.private).toBe(true);
  const seenBy = async (user: TestUser) =>
    (await gqlOk(url, GuildChannelsDocument, { id: guild.id }, user.jwt)).guild.channels.map((c) => c.name);
  expect(await seenBy(bob)).not.toContain('mods-only');
  expect(await seenBy(carol)).toContain('mods-only');
  expect(codeOf(await gql(url, ChannelDocument, { id: hidden.id }, bob.jwt))).toBe('FORBIDDEN');

  // Step 6: Carol bans the spammer with a day of messages; Bob, without the permission, cannot.
  await gqlOk(url, SendMessageDocument, { channelId: general, content: 'buy now' }, spammer.jwt);
  expect(codeOf(await gql(url, BanMemberDocument, { guildId: guild.id, userId: spammer.id }, bob.jwt))).toBe(
    'FORBIDDEN',
  );
  expect(codeOf(await gql(url, BanMemberDocument, { guildId: guild.id, userId: alice.id }, carol.jwt))).toBe(
    'FORBIDDEN',
  );
  const { banMember } = await gqlOk(
    url,
    BanMemberDocument,
    { guildId: guild.id, userId: spammer.id, reason: 'spam', deleteMessageDays: 1 },
    carol.jwt,
  );
  expect(banMember).toEqual({ reason: 'spam', user: { id: spammer.id } });
  const after = await gqlOk(url, ChannelMessagesDocument, { channelId: general }, alice.jwt);
  expect(after.messages.filter((m) => m.author.id === spammer.id)).toEqual([]);
  const { createInvite: fresh } = await gqlOk(
    url,
    CreateInviteDocument,
    { guildId: guild.id, input: {} },
    alice.jwt,
  );
  expect(codeOf(await gql(url, AcceptInviteDocument, { code: fresh.code }, spammer.jwt))).toBe('FORBIDDEN');

  const { auditLog } = await gqlOk(url, AuditLogDocument, { guildId: guild.id, first: 20 }, alice.jwt);
  const ban = auditLog.nodes.find((e) => e.action === 'MEMBER_BAN_ADD');
  expect(ban).toMatchObject({ actor: { id: carol.id }, targetId: spammer.id, reason: 'spam' });
  expect(auditLog.nodes.map((e) => e.action)).toEqual(
    expect.arrayContaining(['ROLE_CREATE', 'MEMBER_ROLE_ADD', 'CHANNEL_CREATE', 'OVERWRITE_UPDATE']),
  );
  expect(
    codeOf(await gql(url, AuditLogDocument, { guildId: guild.id }, bob.jwt)),
    'members without VIEW_AUDIT_LOG',
  ).toBe('FORBIDDEN');
}
