import { guildMembers, memberRoles, roles, threads, user } from '@gochat/drizzle';
import { describeOnBothDatabases } from '@gochat/testkit';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';

import { openGuildsHarness } from './test-harness.ts';

const ENTITIES = `query($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Member { guildId userId nickname roleIds color } }
}`;
const ONE = `query($guildId: ID!, $userId: ID!) { guildMember(guildId: $guildId, userId: $userId) { roleIds color } }`;

interface Profile {
  guildId: string;
  userId: string;
  nickname: string | null;
  roleIds: string[];
  color: number | null;
}
type Entities = { _entities: (Profile | null)[] };

const ref = (guildId: string, userId: string) => ({ __typename: 'Member', guildId, userId });
const RED = 0xff0000;
const GREEN = 0x00ff00;

/** The statements the database is asked to prepare while `work` runs (drizzle's session). */
async function statementsDuring(db: unknown, work: () => Promise<unknown>): Promise<string[]> {
  const session = (
    db as { session: { prepareQuery: (query: { sql: string }, ...rest: unknown[]) => unknown } }
  ).session;
  const spy = vi.spyOn(session, 'prepareQuery');
  try {
    await work();
    return spy.mock.calls.map(([query]) => query.sql);
  } finally {
    spy.mockRestore();
  }
}

await describeOnBothDatabases('member profiles (Message.member)', openGuildsHarness, (h) => {
  /** A guild with Plain (highest, no colour), Red and Green below it; its owner, and 50 more members. */
  async function world() {
    const owner = await h.createUser();
    const { guildId, channelId } = await h.seed.guild(owner);
    const plain = await h.seed.role(guildId, 0n, 3);
    const red = await h.seed.role(guildId, 0n, 2);
    const green = await h.seed.role(guildId, 0n, 1);
    await h.db.update(roles).set({ color: RED }).where(eq(roles.id, red));
    await h.db.update(roles).set({ color: GREEN }).where(eq(roles.id, green));
    const members = await h.seed.users(50);
    await h.db
      .insert(guildMembers)
      .values(members.map((userId, i) => ({ guildId, userId, nickname: i % 2 ? `nick ${i}` : null })));
    return { owner, guildId, channelId, plain, red, green, members };
  }

  describe('one statement per page, every field', () => {
    it('resolves 50 references with one query of the memberships', async () => {
      const w = await world();
      const [rainbow, greenOnly, none] = w.members as [string, string, string];
      await h.db.insert(memberRoles).values([
        { guildId: w.guildId, userId: rainbow, roleId: w.green },
        { guildId: w.guildId, userId: rainbow, roleId: w.plain },
        { guildId: w.guildId, userId: rainbow, roleId: w.red },
        { guildId: w.guildId, userId: greenOnly, roleId: w.green },
      ]);
      let result: Entities | undefined;
      const statements = await statementsDuring(h.db, async () => {
        result = await h.ok<Entities>(w.owner, ENTITIES, {
          representations: w.members.map((userId) => ref(w.guildId, userId)),
        });
      });
      expect(statements.filter((s) => s.includes('"guild_members"'))).toHaveLength(1);
      const profiles = result!._entities;
      expect(profiles).toHaveLength(50);
      expect(profiles.map((p) => p?.userId)).toEqual(w.members);
      // Highest first; the colour is the highest role's that has one (Plain has none).
      expect(profiles[0]).toEqual({
        guildId: w.guildId,
        userId: rainbow,
        nickname: null,
        roleIds: [w.plain, w.red, w.green],
        color: RED,
      });
      expect(profiles[1]).toMatchObject({
        userId: greenOnly,
        nickname: 'nick 1',
        roleIds: [w.green],
        color: GREEN,
      });
      expect(profiles[2]).toMatchObject({ userId: none, roleIds: [], color: null });
      // The same facts through guildMember (members read without the batch compute them).
      for (const [userId, expected] of [
        [rainbow, { roleIds: [w.plain, w.red, w.green], color: RED }],
        [none, { roleIds: [], color: null }],
      ] as const)
        expect(
          (await h.ok<{ guildMember: unknown }>(w.owner, ONE, { guildId: w.guildId, userId })).guildMember,
        ).toEqual(expected);
    });

    it('a repeated author is one key; an empty page asks nothing', async () => {
      const w = await world();
      const author = w.members[0]!;
      const result = await h.ok<Entities>(w.owner, ENTITIES, {
        representations: [ref(w.guildId, author), ref(w.guildId, author), ref(w.guildId, w.owner)],
      });
      expect(result._entities.map((p) => p?.userId)).toEqual([author, author, w.owner]);
      const statements = await statementsDuring(h.db, () =>
        h.ok<Entities>(w.owner, ENTITIES, { representations: [] }),
      );
      expect(statements.filter((s) => s.includes('"guild_members"'))).toHaveLength(0);
    });
  });

  describe('null, never an error, for what the caller may not see or what is gone', () => {
    it("another guild's members are null to non-members, mixed with visible ones", async () => {
      const w = await world();
      const other = await world();
      const outsider = await h.createUser();
      const reps = [ref(w.guildId, w.members[0]!), ref(other.guildId, other.members[0]!)];
      const asMember = await h.as<Entities>(w.owner, ENTITIES, { representations: reps });
      expect(asMember.errors).toBeUndefined();
      expect(asMember.data!._entities.map((p) => p?.userId ?? null)).toEqual([w.members[0], null]);
      const asOutsider = await h.ok<Entities>(outsider, ENTITIES, { representations: reps });
      expect(asOutsider._entities).toEqual([null, null]);
      const anonymous = await h.as<Entities>(undefined, ENTITIES, { representations: reps });
      expect(anonymous).toEqual({ data: { _entities: [null, null] } });
    });

    it('members who left, deleted accounts and malformed keys are null', async () => {
      const w = await world();
      const [left, deleted] = w.members as [string, string];
      await h.db
        .delete(guildMembers)
        .where(and(eq(guildMembers.guildId, w.guildId), eq(guildMembers.userId, left)));
      await h.db.update(user).set({ deletedAt: new Date() }).where(eq(user.id, deleted));
      const result = await h.as<Entities>(w.owner, ENTITIES, {
        representations: [
          ref(w.guildId, left),
          ref(w.guildId, deleted),
          ref('not-an-id', w.owner),
          ref(w.guildId, "1' or '1'='1"),
          ref(w.guildId, w.owner),
        ],
      });
      expect(result.errors).toBeUndefined();
      expect(result.data!._entities.map((p) => p?.userId ?? null)).toEqual([null, null, null, null, w.owner]);
    });
  });

  describe('router hydrations scoped to a channel', () => {
    it("see the members of that channel's guild, a thread's included, and no other guild's", async () => {
      const w = await world();
      const other = await world();
      const threadId = h.ids.next();
      await h.db
        .insert(threads)
        .values({ id: threadId, parentId: w.channelId, guildId: w.guildId, ownerId: w.owner, name: 't' });
      const reps = [ref(w.guildId, w.members[0]!), ref(other.guildId, other.members[0]!)];
      for (const channelId of [w.channelId, threadId]) {
        const scoped = await h.ok<Entities>({ kind: 'scope', scope: { channelId } }, ENTITIES, {
          representations: reps,
        });
        expect(scoped._entities.map((p) => p?.userId ?? null)).toEqual([w.members[0], null]);
      }
    });
  });
});
