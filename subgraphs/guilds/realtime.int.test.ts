import { channelOverwrites, channelRecipients, channels, guildMembers, threads } from '@gochat/drizzle';
import { DEFAULT_EVERYONE_PERMISSIONS, PERMISSIONS, TIMED_OUT_PERMISSIONS } from '@gochat/permissions';
import { codeOf, describeOnBothDatabases } from '@gochat/testkit';
import { and, eq } from 'drizzle-orm';
import { expect, it } from 'vitest';

import { realtimeStore } from './store/realtime.ts';
import { openGuildsHarness } from './test-harness.ts';

const P = PERMISSIONS;

interface Access {
  guilds: { id: string; memberCount: number; permissions: string; channelIds: string[] }[];
  directChannelIds: string[];
}
const ACCESS = `query($g: ID) { realtimeAccess(guildId: $g) { guilds { id memberCount permissions channelIds } directChannelIds } }`;
/** What the rest of the subgraph says the caller sees: the reference realtimeAccess must agree with. */
const GUILD = `query($id: ID!) { guild(id: $id) { id memberCount channels { id } me { permissions } } }`;

await describeOnBothDatabases('realtimeAccess', openGuildsHarness, (h) => {
  const access = async (who: string, guildId?: string) =>
    (await h.ok<{ realtimeAccess: Access }>(who, ACCESS, { g: guildId })).realtimeAccess;

  async function channel(guildId: string, kind: 'text' | 'voice' | 'category' = 'text') {
    const id = h.ids.next();
    await h.db.insert(channels).values({ id, guildId, kind, name: `${kind}-${id}` });
    return id;
  }
  async function overwrite(
    channelId: string,
    targetType: 'role' | 'member',
    targetId: string,
    allow = 0n,
    deny = 0n,
  ) {
    await h.db.insert(channelOverwrites).values({ channelId, targetType, targetId, allow, deny });
  }
  async function directChannel(kind: 'dm' | 'group_dm', userIds: string[]) {
    const id = h.ids.next();
    await h.db
      .insert(channels)
      .values({ id, guildId: null, kind, ownerId: kind === 'group_dm' ? userIds[0] : null });
    await h.db.insert(channelRecipients).values(userIds.map((userId) => ({ channelId: id, userId })));
    return id;
  }

  /**
   * A guild whose channels each member sees differently: `hidden` only for the helper role, `personal`
   * only for `member` (a member overwrite), `noHelpers` for everyone but the helper role; and a thread.
   */
  async function world() {
    const owner = await h.createUser('Owner');
    const { guildId, channelId: general } = await h.seed.guild(owner);
    const helperRole = await h.seed.role(guildId, 0n);
    const adminRole = await h.seed.role(guildId, P.ADMINISTRATOR, 2);
    const member = await h.seed.member(guildId);
    const helper = await h.seed.member(guildId, [helperRole]);
    const admin = await h.seed.member(guildId, [adminRole]);
    const muted = await h.seed.member(guildId);
    await h.db
      .update(guildMembers)
      .set({ timeoutUntil: new Date(Date.now() + 3_600_000) })
      .where(and(eq(guildMembers.guildId, guildId), eq(guildMembers.userId, muted)));
    const outsider = await h.createUser('Outsider');

    const category = await channel(guildId, 'category');
    const voice = await channel(guildId, 'voice');
    const hidden = await channel(guildId);
    await overwrite(hidden, 'role', guildId, 0n, P.VIEW_CHANNEL);
    await overwrite(hidden, 'role', helperRole, P.VIEW_CHANNEL);
    const personal = await channel(guildId);
    await overwrite(personal, 'role', guildId, 0n, P.VIEW_CHANNEL);
    await overwrite(personal, 'member', member, P.VIEW_CHANNEL);
    const noHelpers = await channel(guildId);
    await overwrite(noHelpers, 'role', helperRole, 0n, P.VIEW_CHANNEL);
    const thread = h.ids.next();
    await h.db.insert(threads).values({ id: thread, parentId: general, guildId, name: 'a thread' });

    const dm = await directChannel('dm', [member, outsider]);
    const group = await directChannel('group_dm', [owner, member, helper]);
    const othersDm = await directChannel('dm', [owner, helper]);
    return {
      guildId,
      users: { owner, member, helper, admin, muted, outsider },
      channels: { general, category, voice, hidden, personal, noHelpers, thread },
      direct: { dm, group, othersDm },
    };
  }

  it('lists the visible channels whose history the caller may read', async () => {
    const w = await world();
    // Visible to everyone, but only the helper role may read what was said before.
    const noHistory = await channel(w.guildId);
    await overwrite(noHistory, 'role', w.guildId, 0n, P.READ_MESSAGE_HISTORY);
    const helperRole = await h.seed.role(w.guildId, 0n);
    await overwrite(noHistory, 'role', helperRole, P.READ_MESSAGE_HISTORY);
    const historian = await h.seed.member(w.guildId, [helperRole]);
    const q = `query($g: ID) { realtimeAccess(guildId: $g) { guilds { channelIds historyChannelIds } } }`;
    const of = async (userId: string) =>
      (
        await h.ok<{ realtimeAccess: { guilds: { channelIds: string[]; historyChannelIds: string[] }[] } }>(
          userId,
          q,
          { g: w.guildId },
        )
      ).realtimeAccess.guilds[0]!;
    const member = await of(w.users.member);
    expect(member.channelIds).toContain(noHistory);
    expect(member.historyChannelIds).not.toContain(noHistory);
    expect(new Set(member.historyChannelIds)).toEqual(
      new Set(member.channelIds.filter((c) => c !== noHistory)),
    );
    expect((await of(historian)).historyChannelIds).toContain(noHistory);
    expect((await of(w.users.owner)).historyChannelIds).toContain(noHistory);
  });

  it('lists, per caller, the channels they can view and their guild permissions', async () => {
    const w = await world();
    const c = w.channels;
    const all = [c.general, c.category, c.voice, c.hidden, c.personal, c.noHelpers];
    const expected: Record<string, string[]> = {
      owner: all,
      admin: all,
      member: [c.general, c.category, c.voice, c.personal, c.noHelpers],
      helper: [c.general, c.category, c.voice, c.hidden],
      muted: [c.general, c.category, c.voice, c.noHelpers],
    };
    for (const [name, channelIds] of Object.entries(expected)) {
      const userId = w.users[name as keyof typeof w.users];
      const [guild] = (await access(userId)).guilds;
      expect(guild?.id, name).toBe(w.guildId);
      expect(new Set(guild?.channelIds), name).toEqual(new Set(channelIds));
      // Threads follow their parent channel: never listed.
      expect(guild?.channelIds, name).not.toContain(c.thread);
      // The same answer, in the same order, as the subgraph's own permission checks give.
      const reference = (
        await h.ok<{
          guild: { id: string; memberCount: number; channels: { id: string }[]; me: { permissions: string } };
        }>(userId, GUILD, { id: w.guildId })
      ).guild;
      expect(guild, name).toEqual({
        id: reference.id,
        memberCount: reference.memberCount,
        permissions: reference.me.permissions,
        channelIds: reference.channels.map((ch) => ch.id),
      });
    }
    const [mutedGuild] = (await access(w.users.muted)).guilds;
    expect(BigInt(mutedGuild!.permissions)).toBe(DEFAULT_EVERYONE_PERMISSIONS & TIMED_OUT_PERMISSIONS);
    expect((await access(w.users.owner)).guilds[0]!.memberCount).toBe(5);
  });

  it("lists the caller's own DMs and group DMs, whatever guildId is", async () => {
    const w = await world();
    const { dm, group, othersDm } = w.direct;
    const sorted = (ids: string[]) => [...ids].sort();
    expect(sorted((await access(w.users.member)).directChannelIds)).toEqual(sorted([dm, group]));
    expect(sorted((await access(w.users.member, w.guildId)).directChannelIds)).toEqual(sorted([dm, group]));
    expect(sorted((await access(w.users.owner)).directChannelIds)).toEqual(sorted([group, othersDm]));
    const outsider = await access(w.users.outsider);
    expect(outsider).toEqual({ guilds: [], directChannelIds: [dm] });
  });

  it('with guildId: only that guild, and none for a guild the caller is not in', async () => {
    const w = await world();
    const other = await h.seed.guild(w.users.member);
    const both = (await access(w.users.member)).guilds.map((g) => g.id);
    expect(new Set(both)).toEqual(new Set([w.guildId, other.guildId]));
    expect((await access(w.users.member, other.guildId)).guilds).toEqual([
      expect.objectContaining({ id: other.guildId, channelIds: [other.channelId], memberCount: 1 }),
    ]);
    expect((await access(w.users.helper, other.guildId)).guilds).toEqual([]);
    expect((await access(w.users.outsider, w.guildId)).guilds).toEqual([]);
  });

  it('refuses anonymous callers and malformed ids', async () => {
    expect(codeOf(await h.as(undefined, ACCESS, {}))).toBe('UNAUTHENTICATED');
    const user = await h.createUser();
    expect(codeOf(await h.as(user, ACCESS, { g: 'nope' }))).toBe('VALIDATION');
  });

  it('reads a user in 100 guilds of 20 channels in three statements', async () => {
    const user = await h.createUser('Busy');
    const guildIds: string[] = [];
    const visible = new Map<string, string[]>();
    for (let g = 0; g < 100; g++) {
      const owner = await h.createUser();
      const { guildId, channelId } = await h.seed.guild(owner);
      await h.seed.join(guildId, user);
      const rows = Array.from({ length: 19 }, () => ({ id: h.ids.next(), guildId, kind: 'text' as const }));
      await h.db.insert(channels).values(rows);
      // One hidden channel per guild, so the answer depends on the overwrites.
      await overwrite(rows[0]!.id, 'role', guildId, 0n, P.VIEW_CHANNEL);
      guildIds.push(guildId);
      visible.set(guildId, [channelId, ...rows.slice(1).map((r) => r.id)]);
    }
    let statements = 0;
    const counted = new Proxy(h.db, {
      get(target, key, receiver) {
        const value: unknown = Reflect.get(target, key, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (['execute', 'select', 'insert', 'update', 'delete', 'transaction'].includes(String(key)))
            statements += 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const facts = await realtimeStore(counted).realtimeFacts(user);
    expect(statements).toBe(3);
    expect(facts.memberships.map((m) => m.guildId).sort()).toEqual([...guildIds].sort());
    for (const m of facts.memberships) expect(m.channels).toHaveLength(20);

    const result = await access(user);
    expect(result.guilds).toHaveLength(100);
    for (const guild of result.guilds)
      expect(new Set(guild.channelIds)).toEqual(new Set(visible.get(guild.id)));
  }, 120_000);
});
