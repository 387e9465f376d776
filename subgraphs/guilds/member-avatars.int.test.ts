import { guildMembers, uploads } from '@gochat/drizzle';
import { codeOf, describeOnBothDatabases } from '@gochat/testkit';
import { insertUpload, type NewUpload } from '@gochat/uploads';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';

import { openGuildsHarness } from './test-harness.ts';

const SET = `mutation($guildId: ID!, $uploadId: ID) {
  setGuildAvatar(guildId: $guildId, uploadId: $uploadId) { guildId userId avatarUrl }
}`;
const ENTITIES = `query($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Member { userId nickname color avatarUrl(size: 64) } }
}`;
const LEAVE = `mutation($id: ID!) { leaveGuild(id: $id) }`;
const KICK = `mutation($guildId: ID!, $userId: ID!) { kickMember(guildId: $guildId, userId: $userId) }`;
const BAN = `mutation($guildId: ID!, $userId: ID!) { banMember(guildId: $guildId, userId: $userId) { user { id } } }`;

type Set = { setGuildAvatar: { guildId: string; userId: string; avatarUrl: string | null } };
type Entities = { _entities: ({ userId: string; avatarUrl: string | null } | null)[] };

/** Where Member.avatarUrl points for an upload: its public variant of at least `size` pixels. */
const urlOf = (uploadId: string, size = 128) => `/media/public/public/${uploadId}/${size}.webp`;

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

await describeOnBothDatabases('guild avatars (setGuildAvatar, Member.avatarUrl)', openGuildsHarness, (h) => {
  /** An upload row as the media subgraph leaves it: by default a READY, unused AVATAR image of `ownerId`'s. */
  async function upload(ownerId: string, fields: Partial<NewUpload> = {}): Promise<string> {
    const row = await insertUpload(h.db, {
      id: h.ids.next(),
      ownerId,
      kind: 'avatar',
      state: 'ready',
      filename: 'me.png',
      declaredType: 'image/png',
      contentType: 'image/png',
      size: 64,
      width: 8,
      height: 8,
      expiresAt: new Date(Date.now() + 3_600_000),
      ...fields,
    });
    return row.id;
  }
  const uploadRow = async (id: string) => (await h.db.select().from(uploads).where(eq(uploads.id, id)))[0];
  const column = async (guildId: string, userId: string) =>
    (
      await h.db
        .select({ avatar: guildMembers.avatarUploadId })
        .from(guildMembers)
        .where(and(eq(guildMembers.guildId, guildId), eq(guildMembers.userId, userId)))
    )[0]?.avatar;
  async function avatarEvents(guildId: string, userId: string) {
    await h.flush();
    return h.events.events
      .filter((e) => e.type === 'GuildMemberUpdated')
      .map((e) => e.data as { guildId: string; userId: string; fields: string[] })
      .filter((d) => d.guildId === guildId && d.userId === userId && d.fields.includes('avatar'));
  }

  async function world() {
    const owner = await h.createUser();
    const { guildId } = await h.seed.guild(owner);
    const member = await h.seed.member(guildId);
    const stranger = await h.createUser();
    return { owner, guildId, member, stranger };
  }

  describe('setGuildAvatar', () => {
    it('claims the member’s own avatar upload for this guild; replacing releases the old one, clearing shows none', async () => {
      const w = await world();
      const first = await upload(w.member);
      const set = await h.ok<Set>(w.member, SET, { guildId: w.guildId, uploadId: first });
      expect(set.setGuildAvatar).toEqual({ guildId: w.guildId, userId: w.member, avatarUrl: urlOf(first) });
      expect(await column(w.guildId, w.member)).toBe(first);
      // Used by the guild: its deletion releases it; never part of the user's own avatar history.
      expect(await uploadRow(first)).toMatchObject({
        targetId: w.guildId,
        guildId: w.guildId,
        state: 'ready',
      });
      expect(await avatarEvents(w.guildId, w.member)).toEqual([
        { guildId: w.guildId, actorId: w.member, userId: w.member, fields: ['avatar'] },
      ]);

      // The same one again changes nothing (and announces nothing).
      await h.ok<Set>(w.member, SET, { guildId: w.guildId, uploadId: first });
      expect(await avatarEvents(w.guildId, w.member)).toHaveLength(1);

      const second = await upload(w.member);
      const replaced = await h.ok<Set>(w.member, SET, { guildId: w.guildId, uploadId: second });
      expect(replaced.setGuildAvatar.avatarUrl).toBe(urlOf(second));
      expect((await uploadRow(first))?.state).toBe('released');

      const cleared = await h.ok<Set>(w.member, SET, { guildId: w.guildId, uploadId: null });
      expect(cleared.setGuildAvatar.avatarUrl).toBeNull();
      expect(await column(w.guildId, w.member)).toBeNull();
      expect((await uploadRow(second))?.state).toBe('released');
      expect(await avatarEvents(w.guildId, w.member)).toHaveLength(3);
    });

    it('refuses callers who may not, and ids that name nothing, storing nothing', async () => {
      const w = await world();
      const mine = await upload(w.stranger);
      const set = (who: string | undefined, guildId: string, uploadId: string | null) =>
        h.as(who, SET, { guildId, uploadId });
      expect(codeOf(await set(undefined, w.guildId, mine))).toBe('UNAUTHENTICATED');
      expect(codeOf(await set(w.stranger, w.guildId, mine))).toBe('FORBIDDEN');
      expect(codeOf(await set(w.stranger, h.ids.next(), mine))).toBe('NOT_FOUND');
      expect(codeOf(await set(w.member, 'not-an-id', mine))).toBe('VALIDATION');
      expect(codeOf(await set(w.member, w.guildId, 'not-an-id'))).toBe('VALIDATION');
      expect((await uploadRow(mine))?.targetId).toBeNull();
    });

    it('refuses uploads that are not a finished, unused avatar image of the caller’s', async () => {
      const w = await world();
      const refused = {
        "someone else's": await upload(w.owner),
        'not an image (an attachment)': await upload(w.member, {
          kind: 'attachment',
          filename: 'notes.txt',
          declaredType: 'text/plain',
          contentType: 'text/plain',
        }),
        'a guild icon': await upload(w.member, { kind: 'guild_icon', guildId: w.guildId }),
        'not yet completed': await upload(w.member, { state: 'pending', contentType: null }),
        'refused by processing': await upload(w.member, { state: 'failed', error: 'not an image' }),
        'already their own avatar': await upload(w.member, { targetId: w.member }),
        unknown: h.ids.next(),
      };
      for (const [why, uploadId] of Object.entries(refused)) {
        const result = await h.as(w.member, SET, { guildId: w.guildId, uploadId });
        expect(codeOf(result), why).toBe('VALIDATION');
        expect((result.errors?.[0]?.extensions as { field?: string } | undefined)?.field, why).toBe(
          'uploadId',
        );
      }
      expect(await column(w.guildId, w.member)).toBeNull();
      expect(await avatarEvents(w.guildId, w.member)).toEqual([]);
      // Used elsewhere later, an upload is still whole: the refused claim changed none of them.
      expect((await uploadRow(refused["someone else's"]))?.targetId).toBeNull();
    });

    it('a member who leaves takes their guild avatar with them: released for the janitor', async () => {
      const w = await world();
      const avatar = await upload(w.member);
      await h.ok(w.member, SET, { guildId: w.guildId, uploadId: avatar });
      await h.ok(w.member, LEAVE, { id: w.guildId });
      expect((await uploadRow(avatar))?.state).toBe('released');
    });

    it.each([
      ['kicked', KICK],
      ['banned', BAN],
    ])('a member who is %s loses their guild avatar: released, others’ kept', async (_how, removal) => {
      const w = await world();
      const stays = await h.seed.member(w.guildId);
      const [avatar, kept] = [await upload(w.member), await upload(stays)];
      await h.ok(w.member, SET, { guildId: w.guildId, uploadId: avatar });
      await h.ok(stays, SET, { guildId: w.guildId, uploadId: kept });
      await h.ok(w.owner, removal, { guildId: w.guildId, userId: w.member });
      expect(await h.isMember(w.guildId, w.member)).toBe(false);
      expect((await uploadRow(avatar))?.state).toBe('released');
      expect(await uploadRow(kept)).toMatchObject({ state: 'ready', targetId: w.guildId });
    });
  });

  describe('Member.avatarUrl', () => {
    it('comes with the memberships of a page in the one statement, null without one or out of sight', async () => {
      const w = await world();
      const members = await h.seed.users(30);
      await h.db.insert(guildMembers).values(members.map((userId) => ({ guildId: w.guildId, userId })));
      const withAvatar = members.filter((_, i) => i % 3 === 0);
      const avatars = new Map<string, string>();
      for (const userId of withAvatar) {
        const id = await upload(userId);
        avatars.set(userId, id);
        await h.ok(userId, SET, { guildId: w.guildId, uploadId: id });
      }
      let result: Entities | undefined;
      const statements = await statementsDuring(h.db, async () => {
        result = await h.ok<Entities>(w.owner, ENTITIES, {
          representations: members.map((userId) => ({ __typename: 'Member', guildId: w.guildId, userId })),
        });
      });
      expect(statements.filter((s) => s.includes('"guild_members"'))).toHaveLength(1);
      expect(result!._entities.map((m) => m?.avatarUrl)).toEqual(
        members.map((userId) => (avatars.has(userId) ? urlOf(avatars.get(userId)!, 64) : null)),
      );
      // Someone outside the guild learns nothing of it, avatars included.
      const outside = await h.ok<Entities>(w.stranger, ENTITIES, {
        representations: [{ __typename: 'Member', guildId: w.guildId, userId: withAvatar[0] }],
      });
      expect(outside._entities).toEqual([null]);
    });

    it('refuses sizes out of range', async () => {
      const w = await world();
      const query = `query($g: ID!, $u: ID!, $s: Int!) { guildMember(guildId: $g, userId: $u) { avatarUrl(size: $s) } }`;
      expect(codeOf(await h.as(w.owner, query, { g: w.guildId, u: w.member, s: 0 }))).toBe('VALIDATION');
      expect(codeOf(await h.as(w.owner, query, { g: w.guildId, u: w.member, s: 4097 }))).toBe('VALIDATION');
      expect(await h.ok(w.owner, query, { g: w.guildId, u: w.member, s: 512 })).toEqual({
        guildMember: { avatarUrl: null },
      });
    });
  });
});
