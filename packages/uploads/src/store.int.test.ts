import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { openDatabase, type Database } from '@gochat/db';
import { uploads } from '@gochat/drizzle';
import { isDomainError } from '@gochat/errors';
import { createSnowflakeGenerator } from '@gochat/ids';
import { silentLogger } from '@gochat/log';
import { createTestDatabase, describeOnBothDatabases, dropTestDatabase } from '@gochat/testkit';
import { eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';

import type { UploadKind, UploadState } from './kinds.ts';
import {
  MAX_ATTACHMENTS,
  avatarHistory,
  claimAttachments,
  claimUpload,
  findUpload,
  findUploads,
  insertUpload,
  pruneAvatars,
  release,
  releaseExpired,
  takeOverStale,
  type NewUpload,
  type UploadRow,
} from './store.ts';

interface World {
  db: Database;
  ids: ReturnType<typeof createSnowflakeGenerator>;
  close(): Promise<void>;
}

/** PGlite in a temporary directory, or a fresh database on the server; migrated. */
async function openWorld(adminUrl: string | null): Promise<World> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-uploads-'));
  const url = adminUrl ? await createTestDatabase(adminUrl) : undefined;
  const handle = await openDatabase({ url, dataDir, poolSize: 4, log: silentLogger });
  await handle.migrate();
  return {
    db: handle.db,
    ids: createSnowflakeGenerator(11),
    close: async () => {
      await handle.close();
      if (url && adminUrl) await dropTestDatabase(adminUrl, url);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const HOUR = 3_600_000;
const inAnHour = () => new Date(Date.now() + HOUR);

/** The DomainError a call rejected with (fails the test when it resolved or threw something else). */
async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isDomainError(error)) throw new Error(`expected a DomainError, got ${String(error)}`);
  return { code: error.code, field: error.extensions.field, message: error.message };
}

await describeOnBothDatabases('uploads store', openWorld, (w) => {
  /** An upload row: a ready PNG attachment of `ownerId` unless told otherwise. */
  async function upload(values: Partial<NewUpload> & { ownerId: string }): Promise<UploadRow> {
    return insertUpload(w.db, {
      id: w.ids.next(),
      kind: 'attachment',
      state: 'ready',
      filename: 'cat.png',
      declaredType: 'image/png',
      contentType: 'image/png',
      disposition: 'inline',
      size: 1234,
      width: 64,
      height: 48,
      previews: [{ size: 320, width: 64, height: 48 }],
      expiresAt: inAnHour(),
      ...values,
    });
  }
  const ready = (ownerId: string, channelId: string, values: Partial<NewUpload> = {}) =>
    upload({ ownerId, channelId, parentChannelId: channelId, ...values });
  const stateOf = async (id: string) => (await findUpload(w.db, id))?.state;
  const statesOf = async (ids: string[]) =>
    Object.fromEntries((await findUploads(w.db, ids)).map((r) => [r.id, r.state]));
  const claim = (ids: readonly string[], ownerId: string, containerId: string, messageId = w.ids.next()) =>
    w.db.transaction((tx) => claimAttachments(tx, { ids, ownerId, containerId, messageId }));

  describe('claimAttachments', () => {
    it('claims the owner’s ready attachments for the container and returns their references in the given order', async () => {
      const owner = w.ids.next();
      const channel = w.ids.next();
      const first = await ready(owner, channel, { filename: 'first.png' });
      const second = await ready(owner, channel, {
        filename: 'notes.txt',
        contentType: 'text/plain; charset=utf-8',
        disposition: 'attachment',
        width: null,
        height: null,
        previews: [],
        cleaned: false,
      });
      const third = await ready(owner, channel, {
        filename: 'clip.mp4',
        durationSeconds: 2.5,
        cleaned: true,
      });
      const messageId = w.ids.next();
      const refs = await claim([third.id, first.id, second.id], owner, channel, messageId);
      expect(refs.map((r) => r.id)).toEqual([third.id, first.id, second.id]);
      expect(refs[1]).toEqual({
        id: first.id,
        filename: 'first.png',
        contentType: 'image/png',
        size: 1234,
        width: 64,
        height: 48,
        durationSeconds: null,
        blurhash: null,
        previews: [{ size: 320, width: 64, height: 48 }],
        disposition: 'inline',
        cleaned: false,
      });
      expect(refs[2]).toMatchObject({
        filename: 'notes.txt',
        contentType: 'text/plain; charset=utf-8',
        disposition: 'attachment',
        width: null,
        previews: [],
      });
      expect(refs[0]).toMatchObject({ durationSeconds: 2.5, cleaned: true });
      for (const row of await findUploads(w.db, [first.id, second.id, third.id])) {
        expect(row.targetId).toBe(messageId);
        expect(row.usedAt).toBeInstanceOf(Date);
        expect(row.state).toBe('ready');
      }
    });

    it('claims nothing for no ids', async () => {
      expect(await claim([], w.ids.next(), w.ids.next())).toEqual([]);
    });

    it('refuses an upload that is someone else’s, another container’s, another kind, or not ready; the transaction claims none', async () => {
      const owner = w.ids.next();
      const channel = w.ids.next();
      const good = await ready(owner, channel);
      const thread = w.ids.next();
      const bad: Record<string, UploadRow> = {
        'someone else’s': await ready(w.ids.next(), channel),
        'for another channel': await ready(owner, w.ids.next()),
        // An attachment for a thread of this channel is for that thread only.
        'for a thread of the channel': await upload({
          ownerId: owner,
          channelId: thread,
          parentChannelId: channel,
        }),
        'an avatar': await upload({ ownerId: owner, kind: 'avatar' }),
      };
      for (const state of ['pending', 'processing', 'failed', 'released'] satisfies UploadState[])
        bad[state] = await ready(owner, channel, { state });
      for (const [why, row] of Object.entries(bad)) {
        const refused = await refusal(claim([good.id, row.id], owner, channel));
        expect(refused, why).toMatchObject({ code: 'VALIDATION', field: 'attachmentIds' });
        expect(refused.message, why).toContain(row.id);
        // The send's transaction rolls back: the good upload is still free.
        expect((await findUpload(w.db, good.id))?.targetId, why).toBeNull();
        expect((await findUpload(w.db, row.id))?.state, why).toBe(row.state);
      }
      // An id that names no upload at all.
      const missing = w.ids.next();
      expect((await refusal(claim([missing], owner, channel))).message).toContain(missing);
      // The thread's own attachment is fine in the thread.
      const inThread = bad['for a thread of the channel']!;
      expect((await claim([inThread.id], owner, thread)).map((r) => r.id)).toEqual([inThread.id]);
    });

    it(`takes at most ${MAX_ATTACHMENTS}, each once`, async () => {
      const owner = w.ids.next();
      const channel = w.ids.next();
      const rows = await Promise.all(
        Array.from({ length: MAX_ATTACHMENTS + 1 }, () => ready(owner, channel)),
      );
      const ids = rows.map((r) => r.id);
      expect(await refusal(claim(ids, owner, channel))).toMatchObject({
        code: 'VALIDATION',
        field: 'attachmentIds',
        message: expect.stringContaining(`at most ${MAX_ATTACHMENTS}`) as string,
      });
      expect(await refusal(claim([ids[0]!, ids[1]!, ids[0]!], owner, channel))).toMatchObject({
        code: 'VALIDATION',
        message: expect.stringContaining('listed twice') as string,
      });
      expect((await findUploads(w.db, ids)).every((r) => r.targetId === null)).toBe(true);
      const ten = ids.slice(0, MAX_ATTACHMENTS);
      expect((await claim(ten, owner, channel)).map((r) => r.id)).toEqual(ten);
    });

    it('claims an upload once: a second message cannot use it', async () => {
      const owner = w.ids.next();
      const channel = w.ids.next();
      const row = await ready(owner, channel);
      const firstMessage = w.ids.next();
      await claim([row.id], owner, channel, firstMessage);
      expect(await refusal(claim([row.id], owner, channel))).toMatchObject({
        code: 'VALIDATION',
        message: expect.stringContaining('already sent') as string,
      });
      expect((await findUpload(w.db, row.id))?.targetId).toBe(firstMessage);
    });
  });

  describe('claimUpload', () => {
    const claimOne = (claimed: {
      id: string;
      ownerId: string;
      kind: UploadKind;
      guildId?: string;
      targetId: string;
    }) => w.db.transaction((tx) => claimUpload(tx, { ...claimed, field: 'uploadId' }));

    it('claims a ready upload of the owner by kind, and for guild kinds only in its guild', async () => {
      const owner = w.ids.next();
      const guild = w.ids.next();
      const avatar = await upload({ ownerId: owner, kind: 'avatar' });
      const icon = await upload({ ownerId: owner, kind: 'guild_icon', guildId: guild });
      const emoji = await upload({ ownerId: owner, kind: 'emoji', guildId: guild });

      // The wrong kind, owner or guild: refused, naming the field.
      const wrongKind = await refusal(
        claimOne({ id: avatar.id, ownerId: owner, kind: 'emoji', guildId: guild, targetId: w.ids.next() }),
      );
      expect(wrongKind).toMatchObject({ code: 'VALIDATION', field: 'uploadId' });
      expect(wrongKind.message).toContain('emoji');
      const wrongOwner = await refusal(
        claimOne({ id: avatar.id, ownerId: w.ids.next(), kind: 'avatar', targetId: owner }),
      );
      expect(wrongOwner.code).toBe('VALIDATION');
      const otherGuild = await refusal(
        claimOne({ id: icon.id, ownerId: owner, kind: 'guild_icon', guildId: w.ids.next(), targetId: guild }),
      );
      expect(otherGuild.message).toContain('guild icon');
      expect((await findUploads(w.db, [avatar.id, icon.id])).every((r) => r.targetId === null)).toBe(true);

      const claimedAvatar = await claimOne({
        id: avatar.id,
        ownerId: owner,
        kind: 'avatar',
        targetId: owner,
      });
      expect(claimedAvatar).toMatchObject({ id: avatar.id, targetId: owner, state: 'ready' });
      expect(claimedAvatar.usedAt).toBeInstanceOf(Date);
      expect(
        await claimOne({ id: icon.id, ownerId: owner, kind: 'guild_icon', guildId: guild, targetId: guild }),
      ).toMatchObject({
        id: icon.id,
        targetId: guild,
      });
      const emojiId = w.ids.next();
      expect(
        await claimOne({ id: emoji.id, ownerId: owner, kind: 'emoji', guildId: guild, targetId: emojiId }),
      ).toMatchObject({
        targetId: emojiId,
      });

      // Used once: a second claim fails and the first target stays.
      expect(
        (
          await refusal(
            claimOne({ id: emoji.id, ownerId: owner, kind: 'emoji', guildId: guild, targetId: w.ids.next() }),
          )
        ).code,
      ).toBe('VALIDATION');
      expect((await findUpload(w.db, emoji.id))?.targetId).toBe(emojiId);
    });

    it('refuses an upload that is not ready', async () => {
      const owner = w.ids.next();
      for (const state of ['pending', 'processing', 'failed', 'released'] satisfies UploadState[]) {
        const row = await upload({ ownerId: owner, kind: 'avatar', state });
        expect(
          (await refusal(claimOne({ id: row.id, ownerId: owner, kind: 'avatar', targetId: owner }))).code,
          state,
        ).toBe('VALIDATION');
        expect((await findUpload(w.db, row.id))?.targetId, state).toBeNull();
      }
    });
  });

  describe('release', () => {
    it('by messages: their attachments only; again, nothing new', async () => {
      const owner = w.ids.next();
      const channel = w.ids.next();
      const [m1, m2, m3] = [w.ids.next(), w.ids.next(), w.ids.next()];
      const a = await ready(owner, channel, { targetId: m1 });
      const b = await ready(owner, channel, { targetId: m1 });
      const c = await ready(owner, channel, { targetId: m2 });
      const kept = await ready(owner, channel, { targetId: m3 });
      const unused = await ready(owner, channel);
      expect((await release(w.db, { messageIds: [m1, m2] })).sort()).toEqual([a.id, b.id, c.id].sort());
      expect(await statesOf([a.id, b.id, c.id, kept.id, unused.id])).toEqual({
        [a.id]: 'released',
        [b.id]: 'released',
        [c.id]: 'released',
        [kept.id]: 'ready',
        [unused.id]: 'ready',
      });
      expect(await release(w.db, { messageIds: [m1, m2] })).toEqual([]);
      expect(await release(w.db, { messageIds: [] })).toEqual([]);
      expect(await stateOf(kept.id)).toBe('ready');
    });

    it('by channel: its uploads and its threads’, used or not; again, nothing new', async () => {
      const owner = w.ids.next();
      const channel = w.ids.next();
      const thread = w.ids.next();
      const sent = await ready(owner, channel, { targetId: w.ids.next() });
      const pending = await ready(owner, channel, { state: 'pending' });
      const inThread = await upload({ ownerId: owner, channelId: thread, parentChannelId: channel });
      const elsewhere = await ready(owner, w.ids.next());
      expect((await release(w.db, { channelId: channel })).sort()).toEqual(
        [sent.id, pending.id, inThread.id].sort(),
      );
      expect(await stateOf(elsewhere.id)).toBe('ready');
      expect(await release(w.db, { channelId: channel })).toEqual([]);
    });

    it('by guild: every upload of the guild; again, nothing new', async () => {
      const owner = w.ids.next();
      const guild = w.ids.next();
      const icon = await upload({ ownerId: owner, kind: 'guild_icon', guildId: guild, targetId: guild });
      const emoji = await upload({ ownerId: owner, kind: 'emoji', guildId: guild, targetId: w.ids.next() });
      const channel = w.ids.next();
      const attachment = await ready(owner, channel, { guildId: guild });
      const otherGuild = await upload({ ownerId: owner, kind: 'guild_icon', guildId: w.ids.next() });
      const avatar = await upload({ ownerId: owner, kind: 'avatar', targetId: owner });
      expect((await release(w.db, { guildId: guild })).sort()).toEqual(
        [icon.id, emoji.id, attachment.id].sort(),
      );
      expect(await statesOf([otherGuild.id, avatar.id])).toEqual({
        [otherGuild.id]: 'ready',
        [avatar.id]: 'ready',
      });
      expect(await release(w.db, { guildId: guild })).toEqual([]);
    });

    it('by emoji: that emoji’s image only; again, nothing new', async () => {
      const owner = w.ids.next();
      const guild = w.ids.next();
      const emojiId = w.ids.next();
      const image = await upload({ ownerId: owner, kind: 'emoji', guildId: guild, targetId: emojiId });
      const other = await upload({ ownerId: owner, kind: 'emoji', guildId: guild, targetId: w.ids.next() });
      expect(await release(w.db, { emojiId })).toEqual([image.id]);
      expect(await stateOf(other.id)).toBe('ready');
      expect(await release(w.db, { emojiId })).toEqual([]);
    });

    it('by upload ids: exactly those; again, nothing new', async () => {
      const owner = w.ids.next();
      const a = await upload({ ownerId: owner, kind: 'avatar', targetId: owner });
      const b = await upload({ ownerId: owner, kind: 'avatar', state: 'failed' });
      const c = await upload({ ownerId: owner, kind: 'avatar', targetId: owner });
      expect((await release(w.db, { uploadIds: [a.id, b.id] })).sort()).toEqual([a.id, b.id].sort());
      expect(await stateOf(c.id)).toBe('ready');
      expect(await release(w.db, { uploadIds: [a.id, b.id] })).toEqual([]);
      expect(await release(w.db, { uploadIds: [] })).toEqual([]);
    });
  });

  describe('expiry and leases', () => {
    it('releaseExpired releases pending and failed uploads past their time, nothing else', async () => {
      // The sweep is table-wide: start from an empty table so its counts are this test's rows.
      await w.db.delete(uploads);
      const owner = w.ids.next();
      const past = new Date(Date.now() - 60_000);
      const rows = {
        pendingExpired: await upload({ ownerId: owner, state: 'pending', expiresAt: past }),
        failedExpired: await upload({ ownerId: owner, state: 'failed', error: 'bad', expiresAt: past }),
        pendingLive: await upload({ ownerId: owner, state: 'pending' }),
        failedLive: await upload({ ownerId: owner, state: 'failed', error: 'bad' }),
        // A processing lease that ran out is taken over by the processor, not released.
        processingExpired: await upload({ ownerId: owner, state: 'processing', expiresAt: past }),
        // A ready upload keeps the expiry it was created with: it must never be swept.
        readyExpired: await upload({ ownerId: owner, state: 'ready', expiresAt: past }),
        readyUsedExpired: await upload({
          ownerId: owner,
          state: 'ready',
          expiresAt: past,
          targetId: w.ids.next(),
        }),
      };
      expect(await releaseExpired(w.db, new Date())).toBe(2);
      const ids = Object.values(rows).map((r) => r.id);
      const states = await statesOf(ids);
      expect(Object.fromEntries(Object.entries(rows).map(([name, r]) => [name, states[r.id]]))).toEqual({
        pendingExpired: 'released',
        failedExpired: 'released',
        pendingLive: 'pending',
        failedLive: 'failed',
        processingExpired: 'processing',
        readyExpired: 'ready',
        readyUsedExpired: 'ready',
      });
      expect(await releaseExpired(w.db, new Date())).toBe(0);
      // Later, the live ones expire too.
      expect(await releaseExpired(w.db, new Date(Date.now() + 2 * HOUR))).toBe(2);
      expect(await statesOf([rows.pendingLive.id, rows.failedLive.id])).toEqual({
        [rows.pendingLive.id]: 'released',
        [rows.failedLive.id]: 'released',
      });
      await w.db.delete(uploads).where(inArray(uploads.id, ids));
    });

    it('takeOverStale leases out processing uploads whose lease ran out, once', async () => {
      const owner = w.ids.next();
      const past = new Date(Date.now() - 60_000);
      const stale = await upload({ ownerId: owner, kind: 'avatar', state: 'processing', expiresAt: past });
      const live = await upload({ ownerId: owner, state: 'processing' });
      const pending = await upload({ ownerId: owner, state: 'pending', expiresAt: past });
      const lease = new Date(Date.now() + 10 * 60_000);
      const taken = await takeOverStale(w.db, new Date(), lease, 20);
      expect(taken).toEqual([{ id: stale.id, ownerId: owner, kind: 'avatar' }]);
      expect((await findUpload(w.db, stale.id))?.expiresAt.getTime()).toBe(lease.getTime());
      expect(await takeOverStale(w.db, new Date(), lease, 20)).toEqual([]);
      expect(await statesOf([live.id, pending.id])).toEqual({
        [live.id]: 'processing',
        [pending.id]: 'pending',
      });
      await w.db.delete(uploads).where(inArray(uploads.id, [stale.id, live.id, pending.id]));
    });
  });

  describe('avatars', () => {
    it('pruneAvatars keeps the newest N of the user’s ready avatars and releases the rest', async () => {
      const userId = w.ids.next();
      const t0 = Date.now() - 10 * 60_000;
      const avatars: UploadRow[] = [];
      for (let i = 0; i < 5; i++)
        avatars.push(
          await upload({
            ownerId: userId,
            kind: 'avatar',
            targetId: userId,
            usedAt: new Date(t0 + i * 1_000),
          }),
        );
      const unclaimed = await upload({ ownerId: userId, kind: 'avatar' });
      const someoneElses = await upload({
        ownerId: w.ids.next(),
        kind: 'avatar',
        targetId: w.ids.next(),
        usedAt: new Date(t0),
      });
      const [oldest, second, ...newest] = avatars;

      const released = await w.db.transaction((tx) => pruneAvatars(tx, userId, 3));
      expect(released.sort()).toEqual([oldest!.id, second!.id].sort());
      expect((await avatarHistory(w.db, userId, 10)).map((r) => r.id)).toEqual(
        newest.map((r) => r.id).reverse(),
      );
      expect(await statesOf([unclaimed.id, someoneElses.id])).toEqual({
        [unclaimed.id]: 'ready',
        [someoneElses.id]: 'ready',
      });
      expect(await w.db.transaction((tx) => pruneAvatars(tx, userId, 3))).toEqual([]);

      const all = await w.db.transaction((tx) => pruneAvatars(tx, userId, 0));
      expect(all.sort()).toEqual(newest.map((r) => r.id).sort());
      expect(await avatarHistory(w.db, userId, 10)).toEqual([]);
      const [row] = await w.db.select().from(uploads).where(eq(uploads.id, newest[0]!.id));
      expect(row?.state).toBe('released');
    });
  });
});
