import { guildMembers, guilds, memberRoles, roles, uploads } from '@gochat/drizzle';
import { newEvent, subjects } from '@gochat/events';
import { appendToOutbox } from '@gochat/outbox';
import { describeOnBothDatabases, openSubgraphHarness } from '@gochat/testkit';
import { insertUpload } from '@gochat/uploads';
import { eq } from 'drizzle-orm';
import { expect, it, vi } from 'vitest';

import { createGuildsRole } from './role.ts';

/** The guilds role as served: with a lifecycle and the bus, so its deleted-users reaction runs. */
const openServedGuilds = (postgresAdminUrl?: string | null) =>
  openSubgraphHarness(
    { subgraph: 'guilds', worker: 3, role: (deps, lifecycle) => createGuildsRole({ ...deps, lifecycle }) },
    postgresAdminUrl,
  );

const SET_AVATAR = `mutation($guildId: ID!, $uploadId: ID) { setGuildAvatar(guildId: $guildId, uploadId: $uploadId) { userId } }`;

await describeOnBothDatabases('a deleted account leaves its guilds', openServedGuilds, (h) => {
  async function guild(ownerId: string, ...members: string[]) {
    const guildId = h.ids.next();
    await h.db.insert(guilds).values({ id: guildId, name: `Guild ${guildId}`, ownerId });
    await h.db.insert(roles).values({ id: guildId, guildId, name: '@everyone', position: 0 });
    await h.db.insert(guildMembers).values([ownerId, ...members].map((userId) => ({ guildId, userId })));
    return guildId;
  }
  const membershipsOf = async (userId: string) =>
    (await h.db.select().from(guildMembers).where(eq(guildMembers.userId, userId)))
      .map((m) => m.guildId)
      .sort();
  const deleted = (userId: string) =>
    h.db.transaction((tx) =>
      appendToOutbox(tx, [newEvent('UserDeleted', subjects.user(userId), { userId })]),
    );
  const removals = (userId: string) =>
    h.events.events.filter((e) => e.type === 'GuildMemberRemoved' && e.data.userId === userId);

  it('on UserDeleted: every membership goes, each announced to the guild and the user as a leave', async () => {
    const [owner, gone, stays] = await Promise.all([h.createUser(), h.createUser(), h.createUser()]);
    const first = await guild(owner, gone, stays);
    const second = await guild(owner, gone);
    const role = h.ids.next();
    await h.db.insert(roles).values({ id: role, guildId: first, name: 'r', position: 1 });
    await h.db.insert(memberRoles).values({ guildId: first, userId: gone, roleId: role });

    await deleted(gone);
    await h.flush();
    await vi.waitFor(async () => {
      await h.flush();
      expect(removals(gone)).toHaveLength(4);
    }, 10_000);

    expect(await membershipsOf(gone)).toEqual([]);
    expect(await membershipsOf(stays)).toEqual([first]);
    expect(await h.db.select().from(memberRoles).where(eq(memberRoles.userId, gone))).toEqual([]);
    expect(
      removals(gone)
        .map((e) => [e.subject, e.data.guildId, e.data.actorId, e.data.reason])
        .sort(),
    ).toEqual(
      [
        [subjects.guild(first), first, gone, 'leave'],
        [subjects.user(gone), first, gone, 'leave'],
        [subjects.guild(second), second, gone, 'leave'],
        [subjects.user(gone), second, gone, 'leave'],
      ].sort(),
    );
  });

  it('releases the guild avatars of the memberships it removes, and only those', async () => {
    const [owner, gone, stays] = await Promise.all([h.createUser(), h.createUser(), h.createUser()]);
    const [first, second] = [await guild(owner, gone, stays), await guild(owner, gone)];
    /** A finished avatar upload of the user's, set as their avatar in the guild through the API. */
    const guildAvatar = async (userId: string, guildId: string) => {
      const { id } = await insertUpload(h.db, {
        id: h.ids.next(),
        ownerId: userId,
        kind: 'avatar',
        state: 'ready',
        filename: 'me.png',
        declaredType: 'image/png',
        contentType: 'image/png',
        size: 64,
        width: 8,
        height: 8,
        expiresAt: new Date(Date.now() + 3_600_000),
      });
      await h.ok(userId, SET_AVATAR, { guildId, uploadId: id });
      return id;
    };
    const avatars = [await guildAvatar(gone, first), await guildAvatar(gone, second)];
    const kept = await guildAvatar(stays, first);
    const stateOf = async (id: string) =>
      (await h.db.select({ state: uploads.state }).from(uploads).where(eq(uploads.id, id)))[0]?.state;
    expect(await stateOf(avatars[0]!)).toBe('ready');

    await deleted(gone);
    await vi.waitFor(async () => {
      await h.flush();
      expect(removals(gone)).toHaveLength(4);
    }, 10_000);
    expect(await Promise.all(avatars.map(stateOf))).toEqual(['released', 'released']);
    expect(await stateOf(kept)).toBe('ready');
  });

  it('keeps a guild the account still owns (only a race gets there), and a redelivery is a no-op', async () => {
    const [owner, other] = await Promise.all([h.createUser(), h.createUser()]);
    const owned = await guild(owner);
    const joined = await guild(other, owner);

    await deleted(owner);
    await vi.waitFor(async () => {
      await h.flush();
      expect(removals(owner)).toHaveLength(2);
    }, 10_000);
    expect(await membershipsOf(owner)).toEqual([owned]);
    expect(removals(owner).every((e) => e.data.guildId === joined)).toBe(true);

    // Again (at-least-once delivery): nothing left to remove, nothing announced. A later deletion,
    // handled in order after it, tells the redelivery was handled.
    const probe = await h.createUser();
    await h.db.insert(guildMembers).values({ guildId: joined, userId: probe });
    await deleted(owner);
    await deleted(probe);
    await vi.waitFor(async () => {
      await h.flush();
      expect(removals(probe)).toHaveLength(2);
    }, 10_000);
    expect(removals(owner)).toHaveLength(2);
    expect(await membershipsOf(owner)).toEqual([owned]);
  });
});
