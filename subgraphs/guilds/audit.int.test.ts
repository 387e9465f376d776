import { auditLog } from '@gochat/drizzle';
import { createSnowflakeGenerator } from '@gochat/ids';
import { silentLogger } from '@gochat/log';
import { PERMISSIONS } from '@gochat/permissions';
import { Lifecycle } from '@gochat/lifecycle';
import { codeOf, describeOnBothDatabases } from '@gochat/testkit';
import { eq } from 'drizzle-orm';
import { expect, it, vi } from 'vitest';

import { scheduleAuditPurge } from './audit-purge.ts';
import { auditStore } from './store/audit-store.ts';
import { createGuildsRole } from './role.ts';
import { openGuildsHarness } from './test-harness.ts';

const seedIds = createSnowflakeGenerator(33);
const DAY_MS = 86_400_000;

const LOG = `query($guildId: ID!, $first: Int, $before: ID, $action: AuditAction, $actorId: ID, $targetId: ID) {
  auditLog(guildId: $guildId, first: $first, before: $before, action: $action, actorId: $actorId, targetId: $targetId) {
    nodes { id action actor { id } targetType targetId changes { key before after } reason createdAt }
    endCursor
    hasNextPage
  }
}`;
const CREATE_INVITE = `mutation($guildId: ID!) { createInvite(guildId: $guildId, input: { maxUses: 3 }) { code } }`;
const REVOKE = `mutation($code: String!) { revokeInvite(code: $code, reason: "cleanup") }`;
const KICK = `mutation($guildId: ID!, $userId: ID!) { kickMember(guildId: $guildId, userId: $userId, reason: "noise") }`;
const EMOJI = `mutation($guildId: ID!) { createEmoji(guildId: $guildId, input: { name: "wave", assetRef: "asset:1" }) { id } }`;
const RENAME = `mutation($id: ID!) { renameEmoji(id: $id, name: "hello") { id } }`;

interface Entry {
  id: string;
  action: string;
  actor: { id: string };
  targetType: string;
  targetId: string | null;
  changes: { key: string; before: string | null; after: string | null }[];
  reason: string | null;
  createdAt: string;
}
type Log = { auditLog: { nodes: Entry[]; endCursor: string | null; hasNextPage: boolean } };

const P = PERMISSIONS;

await describeOnBothDatabases('audit log', openGuildsHarness, (h) => {
  /** A guild whose log holds, oldest first: INVITE_CREATE, EMOJI_CREATE, EMOJI_UPDATE, INVITE_DELETE, MEMBER_KICK. */
  async function busyGuild() {
    const owner = await h.createUser();
    const { guildId } = await h.seed.guild(owner);
    const auditor = await h.seed.member(guildId, [await h.seed.role(guildId, P.VIEW_AUDIT_LOG)]);
    const moderation = P.KICK_MEMBERS | P.MANAGE_EMOJIS | P.MANAGE_GUILD;
    const moderator = await h.seed.member(guildId, [await h.seed.role(guildId, moderation, 2)]);
    const member = await h.seed.member(guildId);
    type Invite = { createInvite: { code: string } };
    const { code } = (await h.ok<Invite>(owner, CREATE_INVITE, { guildId })).createInvite;
    type Emoji = { createEmoji: { id: string } };
    const emojiId = (await h.ok<Emoji>(moderator, EMOJI, { guildId })).createEmoji.id;
    await h.ok(moderator, RENAME, { id: emojiId });
    await h.ok(moderator, REVOKE, { code });
    await h.ok(moderator, KICK, { guildId, userId: member });
    return { guildId, owner, auditor, moderator, member, outsider: await h.createUser(), code, emojiId };
  }

  it('is readable by VIEW_AUDIT_LOG holders only', async () => {
    const g = await busyGuild();
    const plain = await h.seed.member(g.guildId);
    expect(codeOf(await h.as(g.auditor, LOG, { guildId: g.guildId }))).toBe('OK');
    expect(codeOf(await h.as(g.owner, LOG, { guildId: g.guildId }))).toBe('OK');
    expect(codeOf(await h.as(undefined, LOG, { guildId: g.guildId }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await h.as(g.outsider, LOG, { guildId: g.guildId }))).toBe('FORBIDDEN');
    expect(codeOf(await h.as(plain, LOG, { guildId: g.guildId }))).toBe('FORBIDDEN');
    // Kicking, managing emoji and invites does not let one read the log.
    expect(codeOf(await h.as(g.moderator, LOG, { guildId: g.guildId }))).toBe('FORBIDDEN');
    expect(codeOf(await h.as(g.owner, LOG, { guildId: seedIds.next() }))).toBe('NOT_FOUND');
  });

  it('records who did what to which target, newest first, with changes as JSON', async () => {
    const g = await busyGuild();
    const log = (await h.ok<Log>(g.auditor, LOG, { guildId: g.guildId })).auditLog;
    expect(log.hasNextPage).toBe(false);
    expect(log.endCursor).toBeNull();
    expect(log.nodes.map((e) => [e.action, e.actor.id, e.targetType, e.targetId, e.reason])).toEqual([
      ['MEMBER_KICK', g.moderator, 'MEMBER', g.member, 'noise'],
      ['INVITE_DELETE', g.moderator, 'INVITE', g.code, 'cleanup'],
      ['EMOJI_UPDATE', g.moderator, 'EMOJI', g.emojiId, null],
      ['EMOJI_CREATE', g.moderator, 'EMOJI', g.emojiId, null],
      ['INVITE_CREATE', g.owner, 'INVITE', g.code, null],
    ]);
    const ids = log.nodes.map((e) => BigInt(e.id));
    expect([...ids].sort((a, b) => (a > b ? -1 : 1))).toEqual(ids);
    const byAction = Object.fromEntries(log.nodes.map((e) => [e.action, e]));
    expect(byAction.EMOJI_UPDATE!.changes).toEqual([{ key: 'name', before: '"wave"', after: '"hello"' }]);
    expect(byAction.EMOJI_CREATE!.changes).toContainEqual({ key: 'name', before: null, after: '"wave"' });
    expect(byAction.INVITE_CREATE!.changes).toContainEqual({ key: 'maxUses', before: null, after: '3' });
    // A field that existed with the value null reads as the JSON "null"; one that did not exist, as null.
    expect(byAction.INVITE_CREATE!.changes).toContainEqual({
      key: 'channelId',
      before: null,
      after: 'null',
    });
    expect(byAction.INVITE_DELETE!.changes).toContainEqual({ key: 'uses', before: '0', after: null });
    expect(Date.parse(byAction.MEMBER_KICK!.createdAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('filters by action, actor and target, and pages with `before`', async () => {
    const g = await busyGuild();
    const query = (vars: Record<string, unknown>) =>
      h.ok<Log>(g.auditor, LOG, { guildId: g.guildId, ...vars }).then((r) => r.auditLog);

    expect((await query({ action: 'MEMBER_KICK' })).nodes.map((e) => e.targetId)).toEqual([g.member]);
    expect((await query({ actorId: g.owner })).nodes.map((e) => e.action)).toEqual(['INVITE_CREATE']);
    expect((await query({ targetId: g.code })).nodes.map((e) => e.action)).toEqual([
      'INVITE_DELETE',
      'INVITE_CREATE',
    ]);
    expect((await query({ targetId: g.emojiId, action: 'EMOJI_CREATE' })).nodes).toHaveLength(1);
    expect((await query({ actorId: g.auditor })).nodes).toEqual([]);

    const first = await query({ first: 2 });
    expect(first.nodes.map((e) => e.action)).toEqual(['MEMBER_KICK', 'INVITE_DELETE']);
    expect(first).toMatchObject({ hasNextPage: true, endCursor: first.nodes[1]!.id });
    const second = await query({ first: 2, before: first.endCursor });
    expect(second.nodes.map((e) => e.action)).toEqual(['EMOJI_UPDATE', 'EMOJI_CREATE']);
    expect(second.hasNextPage).toBe(true);
    const third = await query({ first: 2, before: second.endCursor });
    expect(third.nodes.map((e) => e.action)).toEqual(['INVITE_CREATE']);
    expect(third).toMatchObject({ hasNextPage: false, endCursor: null });
    // Filters and paging together.
    const moderatorPage = await query({ actorId: g.moderator, first: 3, before: first.nodes[0]!.id });
    expect(moderatorPage.nodes.map((e) => e.action)).toEqual([
      'INVITE_DELETE',
      'EMOJI_UPDATE',
      'EMOJI_CREATE',
    ]);
    expect(moderatorPage.hasNextPage).toBe(false);

    for (const vars of [{ first: 0 }, { first: 101 }, { before: 'x' }, { actorId: 'x' }, { targetId: '' }])
      expect(codeOf(await h.as(g.auditor, LOG, { guildId: g.guildId, ...vars })), JSON.stringify(vars)).toBe(
        'VALIDATION',
      );
    expect(codeOf(await h.as(g.auditor, LOG, { guildId: g.guildId, first: 100 }))).toBe('OK');
  });

  it('purges entries older than the 45-day retention, and only those', async () => {
    const owner = await h.createUser();
    const { guildId } = await h.seed.guild(owner);
    const now = Date.now();
    const entry = (daysAgo: number) => ({
      id: seedIds.next(),
      guildId,
      actorId: owner,
      action: 'GUILD_UPDATE',
      targetType: 'GUILD',
      targetId: guildId,
      createdAt: new Date(now - daysAgo * DAY_MS),
    });
    const entries = [entry(90), entry(46), entry(45.01), entry(44.99), entry(10), entry(0)];
    await h.db.insert(auditLog).values(entries);
    const store = auditStore(h.db, seedIds);
    const purge = scheduleAuditPurge({
      purge: (olderThan) => store.purgeAuditLog(olderThan),
      log: silentLogger,
      intervalMs: 3_600_000,
      now: () => new Date(now),
    });
    try {
      // The schedule also purges right after it starts; either way the old three are gone once.
      const purged = await purge.runOnce();
      const left = await h.db.select({ id: auditLog.id }).from(auditLog).where(eq(auditLog.guildId, guildId));
      expect(left.map((r) => r.id).sort()).toEqual(
        entries
          .slice(3)
          .map((e) => e.id)
          .sort(),
      );
      expect(purged).toBeLessThanOrEqual(3);
      expect(await store.purgeAuditLog(new Date(now - 45 * DAY_MS))).toBe(0);
      // Entries of the log that are older still go, wherever they are.
      expect(await store.purgeAuditLog(new Date(now - 5 * DAY_MS))).toBe(2);
    } finally {
      purge.stop();
    }
    const log = (await h.ok<Log>(owner, LOG, { guildId })).auditLog;
    expect(log.nodes.map((e) => e.id)).toEqual([entries[5]!.id]);
  });

  it('runs the purge by itself in a served guilds role, and stops it at shutdown', async () => {
    const owner = await h.createUser();
    const { guildId } = await h.seed.guild(owner);
    const old = { id: seedIds.next(), guildId, actorId: owner, action: 'GUILD_UPDATE', targetType: 'GUILD' };
    const recent = { ...old, id: seedIds.next() };
    await h.db.insert(auditLog).values([
      { ...old, createdAt: new Date(Date.now() - 50 * DAY_MS) },
      { ...recent, createdAt: new Date(Date.now() - DAY_MS) },
    ]);
    const lifecycle = new Lifecycle(silentLogger, 5_000);
    createGuildsRole({
      config: { secrets: { internal: 'audit-purge-test-secret-0123456789abcdef' } },
      db: h.db,
      ids: seedIds,
      outbox: {
        kick: () => undefined,
        flush: () => Promise.resolve(),
        stop: () => Promise.resolve(),
        beforePublish: () => undefined,
      },
      log: silentLogger,
      lifecycle,
    });
    const left = async () =>
      (await h.db.select({ id: auditLog.id }).from(auditLog).where(eq(auditLog.guildId, guildId))).map(
        (r) => r.id,
      );
    await vi.waitFor(async () => expect(await left()).toEqual([recent.id]), { timeout: 5_000 });
    expect(await lifecycle.shutdown('test')).toBe(true);
  });
});
