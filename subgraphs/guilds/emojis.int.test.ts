import { emojis, guildMembers, user } from '@gochat/drizzle';
import { createSnowflakeGenerator } from '@gochat/ids';
import { PERMISSIONS } from '@gochat/permissions';
import { codeOf, describeOnBothDatabases } from '@gochat/testkit';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';

import { openGuildsHarness } from './test-harness.ts';

const seedIds = createSnowflakeGenerator(34);

const EMOJI = 'id name animated assetRef imageAvailable guild { id } creator { id } createdAt';
const CREATE = `mutation($guildId: ID!, $input: CreateEmojiInput!, $reason: String) {
  createEmoji(guildId: $guildId, input: $input, reason: $reason) { ${EMOJI} }
}`;
const RENAME = `mutation($id: ID!, $name: String!, $reason: String) { renameEmoji(id: $id, name: $name, reason: $reason) { ${EMOJI} } }`;
const DELETE = `mutation($id: ID!, $reason: String) { deleteEmoji(id: $id, reason: $reason) }`;
const GET = `query($id: ID!) { emoji(id: $id) { ${EMOJI} } }`;
const GUILD_EMOJIS = `query($id: ID!) { emoji(id: $id) { guild { id emojis { id name } } } }`;

interface EmojiData {
  id: string;
  name: string;
  animated: boolean;
  assetRef: string;
  imageAvailable: boolean;
  guild: { id: string };
  creator: { id: string } | null;
  createdAt: string;
}
type Create = { createEmoji: EmojiData };
type Rename = { renameEmoji: EmojiData };
type Get = { emoji: EmojiData };

const P = PERMISSIONS;

await describeOnBothDatabases('custom emoji', openGuildsHarness, (h, name) => {
  /** A guild with its owner, an emoji manager (by role), a plain member and an outsider. */
  async function world() {
    const owner = await h.createUser();
    const { guildId } = await h.seed.guild(owner);
    const manager = await h.seed.member(guildId, [await h.seed.role(guildId, P.MANAGE_EMOJIS)]);
    const member = await h.seed.member(guildId);
    return { guildId, owner, manager, member, outsider: await h.createUser() };
  }
  async function insertEmojis(guildId: string, creatorId: string, count: number, animated: boolean) {
    const rows = Array.from({ length: count }, (_, i) => ({
      id: seedIds.next(),
      guildId,
      name: `${animated ? 'anim' : 'still'}_${i}`,
      animated,
      assetRef: `asset:${i}`,
      creatorId,
    }));
    await h.db.insert(emojis).values(rows);
    return rows;
  }
  async function eventsOf(type: string, emojiId: string) {
    await h.flush();
    return h.events.events.filter((e) => e.type === type && e.data.emojiId === emojiId);
  }

  describe('createEmoji', () => {
    it('lets MANAGE_EMOJIS holders create one from an asset reference, audited and announced', async () => {
      const w = await world();
      const emoji = (
        await h.ok<Create>(w.manager, CREATE, {
          guildId: w.guildId,
          input: { name: 'Party_Parrot', assetRef: 'asset:parrot', animated: true },
          reason: 'fun',
        })
      ).createEmoji;
      expect(emoji).toMatchObject({
        name: 'Party_Parrot',
        animated: true,
        assetRef: 'asset:parrot',
        imageAvailable: false,
        guild: { id: w.guildId },
        creator: { id: w.manager },
      });
      const [entry] = await h.auditOf(w.guildId, 'EMOJI_CREATE');
      expect(entry).toMatchObject({
        actorId: w.manager,
        targetType: 'EMOJI',
        targetId: emoji.id,
        reason: 'fun',
      });
      expect(entry!.changes).toContainEqual({ key: 'name', after: 'Party_Parrot' });
      const created = await eventsOf('EmojiCreated', emoji.id);
      expect(created).toHaveLength(1);
      expect(created[0]).toMatchObject({
        subject: `guild.${w.guildId}`,
        data: { guildId: w.guildId, actorId: w.manager },
      });
      // Static by default; the owner may too.
      const still = (
        await h.ok<Create>(w.owner, CREATE, { guildId: w.guildId, input: { name: 'ok', assetRef: 'a' } })
      ).createEmoji;
      expect(still.animated).toBe(false);
    });

    it('refuses anonymous callers, non-members and members without MANAGE_EMOJIS', async () => {
      const w = await world();
      const input = { name: 'nope', assetRef: 'asset:x' };
      expect(codeOf(await h.as(undefined, CREATE, { guildId: w.guildId, input }))).toBe('UNAUTHENTICATED');
      expect(codeOf(await h.as(w.outsider, CREATE, { guildId: w.guildId, input }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(w.member, CREATE, { guildId: w.guildId, input }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(w.owner, CREATE, { guildId: seedIds.next(), input }))).toBe('NOT_FOUND');
      expect(codeOf(await h.as(w.owner, CREATE, { guildId: 'g', input }))).toBe('VALIDATION');
      expect(await h.db.select().from(emojis).where(eq(emojis.guildId, w.guildId))).toEqual([]);
    });

    it('validates names (2-32 of A-Z a-z 0-9 _) and asset references (1-512)', async () => {
      const w = await world();
      const create = (input: Record<string, unknown>) =>
        h.as(w.manager, CREATE, { guildId: w.guildId, input });
      for (const bad of ['a', 'x'.repeat(33), 'bad-name', 'white space', 'émoji', ''])
        expect(codeOf(await create({ name: bad, assetRef: 'asset:1' })), bad).toBe('VALIDATION');
      expect(codeOf(await create({ name: 'fine', assetRef: '' }))).toBe('VALIDATION');
      expect(codeOf(await create({ name: 'fine', assetRef: 'a'.repeat(513) }))).toBe('VALIDATION');
      expect(codeOf(await create({ name: 'ok', assetRef: 'a'.repeat(512) }))).toBe('OK');
      expect(codeOf(await create({ name: 'x'.repeat(32), assetRef: 'a' }))).toBe('OK');
      expect(
        codeOf(
          await h.as(w.manager, CREATE, {
            guildId: w.guildId,
            input: { name: 'why', assetRef: 'a' },
            reason: 'r'.repeat(513),
          }),
        ),
      ).toBe('VALIDATION');
    });

    it('keeps names unique per guild regardless of case (CONFLICT), but not across guilds', async () => {
      const w = await world();
      await h.ok(w.manager, CREATE, { guildId: w.guildId, input: { name: 'Cool', assetRef: 'a' } });
      expect(
        codeOf(await h.as(w.manager, CREATE, { guildId: w.guildId, input: { name: 'cOOL', assetRef: 'b' } })),
      ).toBe('CONFLICT');
      expect(
        codeOf(
          await h.as(w.manager, CREATE, {
            guildId: w.guildId,
            input: { name: 'Cool', assetRef: 'b', animated: true },
          }),
        ),
      ).toBe('CONFLICT');
      const { guildId: other } = await h.seed.guild(w.owner);
      expect(
        codeOf(await h.as(w.owner, CREATE, { guildId: other, input: { name: 'cool', assetRef: 'b' } })),
      ).toBe('OK');
      expect(await h.auditOf(w.guildId, 'EMOJI_CREATE')).toHaveLength(1);
    });

    it('holds 50 static and 50 animated emoji, each quota on its own (LIMIT_REACHED)', async () => {
      const w = await world();
      await insertEmojis(w.guildId, w.owner, 50, false);
      const create = (name: string, animated: boolean) =>
        h.as(w.manager, CREATE, { guildId: w.guildId, input: { name, assetRef: 'a', animated } });
      expect(codeOf(await create('one_more', false))).toBe('LIMIT_REACHED');
      await insertEmojis(w.guildId, w.owner, 49, true);
      expect(codeOf(await create('last_anim', true))).toBe('OK');
      expect(codeOf(await create('too_many', true))).toBe('LIMIT_REACHED');
      const held = await h.db.select().from(emojis).where(eq(emojis.guildId, w.guildId));
      expect(held.filter((e) => e.animated)).toHaveLength(50);
      expect(held.filter((e) => !e.animated)).toHaveLength(50);
      // Deleting one frees a place.
      const [first] = held.filter((e) => !e.animated);
      await h.ok(w.manager, DELETE, { id: first!.id });
      expect(codeOf(await create('one_more', false))).toBe('OK');
    });

    if (name === 'postgres')
      it('never exceeds the quota under concurrent creations (real PostgreSQL)', async () => {
        const w = await world();
        await insertEmojis(w.guildId, w.owner, 47, false);
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            h.as(w.manager, CREATE, { guildId: w.guildId, input: { name: `race_${i}`, assetRef: 'a' } }),
          ),
        );
        const codes = results.map(codeOf);
        expect(codes.filter((c) => c === 'OK')).toHaveLength(3);
        expect(codes.filter((c) => c === 'LIMIT_REACHED')).toHaveLength(5);
        expect(await h.db.select().from(emojis).where(eq(emojis.guildId, w.guildId))).toHaveLength(50);
      });
  });

  describe('renameEmoji and deleteEmoji', () => {
    it('rename: MANAGE_EMOJIS holders of its guild only; audited with before/after; CONFLICT on a taken name', async () => {
      const w = await world();
      const [emoji, other] = await insertEmojis(w.guildId, w.owner, 2, false);
      const rename = (actor: string | undefined, id: string, newName: string) =>
        h.as(actor, RENAME, { id, name: newName });
      expect(codeOf(await rename(undefined, emoji!.id, 'new_name'))).toBe('UNAUTHENTICATED');
      expect(codeOf(await rename(w.outsider, emoji!.id, 'new_name'))).toBe('FORBIDDEN');
      expect(codeOf(await rename(w.member, emoji!.id, 'new_name'))).toBe('FORBIDDEN');
      expect(codeOf(await rename(w.manager, seedIds.next(), 'new_name'))).toBe('NOT_FOUND');
      expect(codeOf(await rename(w.manager, 'x', 'new_name'))).toBe('VALIDATION');
      expect(codeOf(await rename(w.manager, emoji!.id, 'bad name'))).toBe('VALIDATION');
      expect(codeOf(await rename(w.manager, emoji!.id, other!.name.toUpperCase()))).toBe('CONFLICT');

      const renamed = (
        await h.ok<Rename>(w.manager, RENAME, { id: emoji!.id, name: 'New_Name', reason: 'typo' })
      ).renameEmoji;
      expect(renamed).toMatchObject({ id: emoji!.id, name: 'New_Name' });
      // Changing only the case of its own name is fine.
      expect(codeOf(await rename(w.owner, emoji!.id, 'new_name'))).toBe('OK');
      const entries = await h.auditOf(w.guildId, 'EMOJI_UPDATE');
      expect(entries).toHaveLength(2);
      expect(entries.find((e) => e.actorId === w.manager)).toMatchObject({
        targetId: emoji!.id,
        reason: 'typo',
        changes: [{ key: 'name', before: emoji!.name, after: 'New_Name' }],
      });
      expect(await eventsOf('EmojiUpdated', emoji!.id)).toHaveLength(2);
    });

    it('delete: MANAGE_EMOJIS holders of its guild only; audited and announced; NOT_FOUND afterwards', async () => {
      const w = await world();
      const [emoji] = await insertEmojis(w.guildId, w.owner, 1, true);
      const remove = (actor: string | undefined) => h.as(actor, DELETE, { id: emoji!.id });
      expect(codeOf(await remove(undefined))).toBe('UNAUTHENTICATED');
      expect(codeOf(await remove(w.outsider))).toBe('FORBIDDEN');
      expect(codeOf(await remove(w.member))).toBe('FORBIDDEN');
      expect(await h.ok(w.manager, DELETE, { id: emoji!.id, reason: 'old' })).toEqual({
        deleteEmoji: emoji!.id,
      });
      expect(await h.db.select().from(emojis).where(eq(emojis.id, emoji!.id))).toEqual([]);
      expect(codeOf(await remove(w.manager))).toBe('NOT_FOUND');
      const [entry] = await h.auditOf(w.guildId, 'EMOJI_DELETE');
      expect(entry).toMatchObject({ actorId: w.manager, targetId: emoji!.id, reason: 'old' });
      expect(entry!.changes).toContainEqual({ key: 'name', before: emoji!.name });
      const deleted = await eventsOf('EmojiDeleted', emoji!.id);
      expect(deleted).toHaveLength(1);
      expect(deleted[0]).toMatchObject({ subject: `guild.${w.guildId}`, data: { actorId: w.manager } });
    });
  });

  describe('reading emoji', () => {
    it("members of the emoji's guild read it (and may use it anywhere); others are refused", async () => {
      const w = await world();
      const [emoji] = await insertEmojis(w.guildId, w.manager, 1, false);
      // A member of another guild as well: reading works the same wherever they use it.
      const elsewhere = await h.seed.guild(w.outsider);
      await h.seed.join(elsewhere.guildId, w.member);

      const read = (await h.ok<Get>(w.member, GET, { id: emoji!.id })).emoji;
      expect(read).toMatchObject({
        id: emoji!.id,
        name: emoji!.name,
        imageAvailable: false,
        creator: { id: w.manager },
      });
      expect(codeOf(await h.as(w.owner, GET, { id: emoji!.id }))).toBe('OK');
      expect(codeOf(await h.as(undefined, GET, { id: emoji!.id }))).toBe('UNAUTHENTICATED');
      expect(codeOf(await h.as(w.outsider, GET, { id: emoji!.id }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(w.member, GET, { id: seedIds.next() }))).toBe('NOT_FOUND');
      expect(codeOf(await h.as(w.member, GET, { id: 'x' }))).toBe('VALIDATION');
    });

    it("lists a guild's emoji oldest first, and shows a null creator once their account is gone", async () => {
      const w = await world();
      const gone = await h.seed.member(w.guildId);
      const rows = await insertEmojis(w.guildId, gone, 3, false);
      await h.db
        .delete(guildMembers)
        .where(and(eq(guildMembers.guildId, w.guildId), eq(guildMembers.userId, gone)));
      await h.db.delete(user).where(eq(user.id, gone));
      type Listed = { emoji: { guild: { id: string; emojis: { id: string; name: string }[] } } };
      const listed = (await h.ok<Listed>(w.member, GUILD_EMOJIS, { id: rows[1]!.id })).emoji.guild;
      expect(listed.id).toBe(w.guildId);
      expect(listed.emojis.map((e) => e.id)).toEqual(rows.map((r) => r.id));
      expect((await h.ok<Get>(w.member, GET, { id: rows[0]!.id })).emoji.creator).toBeNull();
    });
  });
});
