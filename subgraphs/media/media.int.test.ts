import { randomBytes } from 'node:crypto';

import type { BusEvent } from '@gochat/bus';
import { outboxEvents, uploads } from '@gochat/drizzle';
import { PERMISSIONS } from '@gochat/permissions';
import { codeOf, describeOnBothDatabases, type GraphqlResult } from '@gochat/testkit';
import { findUpload, originalKey } from '@gochat/uploads';
import { count, eq, sql } from 'drizzle-orm';
import sharp from 'sharp';
import { beforeAll, describe, expect, it, vi } from 'vitest';

import { openMediaHarness, type MediaHarness, type PutTarget } from './test-harness.ts';

const LIMITS = { attachmentBytes: 1_000_000, avatarBytes: 500_000, iconBytes: 600_000, emojiBytes: 20_000 };
/** Low, so a photo-sized PNG is processed in the background and a solid-colour one inline. */
const INLINE_MAX = 10_000;
const TTL_SECONDS = 3_600;

/** A solid-colour 64×48 PNG: a few hundred bytes, processed inline. */
const smallPng = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3366cc' } })
  .png()
  .toBuffer();
/** Random 300×200 pixels: they do not compress, so the PNG is far over INLINE_MAX. */
const largePng = await sharp(randomBytes(300 * 200 * 3), { raw: { width: 300, height: 200, channels: 3 } })
  .png()
  .toBuffer();
const html = Buffer.from('<!doctype html><script>alert(document.cookie)</script>');

const CREATE = `mutation($input: CreateUploadInput!) { createUpload(input: $input) {
  upload { id kind state filename contentType size expiresAt }
  url method headers { name value } expiresAt
} }`;
const UPLOAD_FIELDS = `id kind state filename contentType size width height durationSeconds animated blurhash
  previews { size width height } error expiresAt`;
const COMPLETE = `mutation($id: ID!) { completeUpload(id: $id) { ${UPLOAD_FIELDS} } }`;
const UPLOAD = `query($id: ID!) { upload(id: $id) { ${UPLOAD_FIELDS} } }`;

interface UploadResult {
  id: string;
  kind: string;
  state: string;
  filename: string;
  contentType: string;
  size: number;
  width: number | null;
  height: number | null;
  animated: boolean;
  blurhash: string | null;
  previews: { size: number; width: number; height: number }[];
  error: string | null;
  expiresAt: string | null;
}
interface Target extends PutTarget {
  upload: UploadResult;
  expiresAt: string;
}
interface Input {
  kind: 'ATTACHMENT' | 'AVATAR' | 'GUILD_ICON' | 'GUILD_BANNER' | 'EMOJI';
  filename?: string;
  contentType?: string;
  size?: number;
  channelId?: string | null;
  guildId?: string | null;
}

const fieldOf = (result: GraphqlResult<unknown>) =>
  (result.errors?.[0]?.extensions as { field?: string } | undefined)?.field;
const messageOf = (result: GraphqlResult<unknown>) => result.errors?.[0]?.message ?? '';

await describeOnBothDatabases(
  'media uploads',
  (adminUrl) => openMediaHarness(adminUrl, { limits: LIMITS, inlineProcessingMaxBytes: INLINE_MAX }),
  (h: MediaHarness) => {
    let owner: string, member: string, outsider: string, iconManager: string, emojiManager: string;
    let dmPeer: string, blocker: string;
    let guildId: string, text: string, voice: string, thread: string, noFiles: string;
    let noThreads: string, noThreadsThread: string, dm: string, blockedDm: string;
    /** The state of each upload when its UploadProcessed reached the bus. */
    const atDelivery = new Map<string, Promise<string | undefined>>();

    beforeAll(async () => {
      [owner, member, outsider, iconManager, emojiManager, dmPeer, blocker] = await Promise.all([
        h.createUser('owner'),
        h.createUser('member'),
        h.createUser('outsider'),
        h.createUser('icon manager'),
        h.createUser('emoji manager'),
        h.createUser('dm peer'),
        h.createUser('blocker'),
      ]);
      guildId = await h.seed.guild(owner);
      for (const u of [member, iconManager, emojiManager]) await h.seed.member(guildId, u);
      await h.seed.role(guildId, PERMISSIONS.MANAGE_GUILD, [iconManager]);
      await h.seed.role(guildId, PERMISSIONS.MANAGE_EMOJIS, [emojiManager]);
      text = await h.seed.channel(guildId);
      voice = await h.seed.channel(guildId, 'voice');
      thread = await h.seed.thread(guildId, text, member);
      noFiles = await h.seed.channel(guildId);
      await h.seed.overwrite(noFiles, 'member', member, 0n, PERMISSIONS.ATTACH_FILES);
      noThreads = await h.seed.channel(guildId);
      await h.seed.overwrite(noThreads, 'member', member, 0n, PERMISSIONS.SEND_MESSAGES_IN_THREADS);
      noThreadsThread = await h.seed.thread(guildId, noThreads, owner);
      dm = await h.seed.dm(member, dmPeer);
      blockedDm = await h.seed.dm(member, blocker);
      await h.seed.block(blocker, member);
      h.bus.subscribe('user.*', (event: BusEvent) => {
        if (event.type !== 'UploadProcessed') return;
        const { uploadId } = event.data as { uploadId: string };
        atDelivery.set(
          uploadId,
          findUpload(h.db, uploadId).then((row) => row?.state),
        );
      });
    });

    const attachment = (channelId: string, input: Partial<Input> = {}): Input => ({
      kind: 'ATTACHMENT',
      channelId,
      filename: 'cat.png',
      contentType: 'image/png',
      size: smallPng.length,
      ...input,
    });
    const create = (who: string | undefined, input: Input) =>
      h.as<{ createUpload: Target }>(who, CREATE, {
        input: { filename: 'cat.png', contentType: 'image/png', size: smallPng.length, ...input },
      });
    const created = async (who: string, input: Input) => {
      const result = await create(who, input);
      expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
      return result.data!.createUpload;
    };
    /** createUpload, then PUT the bytes through the signed URL; returns the target. */
    const uploaded = async (who: string, input: Input, bytes: Buffer) => {
      const target = await created(who, { ...input, size: bytes.length });
      const put = await h.put(target, bytes);
      expect(put.status, await put.text()).toBe(200);
      return target;
    };
    const complete = (who: string | undefined, id: string) =>
      h.as<{ completeUpload: UploadResult }>(who, COMPLETE, { id });
    const completed = async (who: string, id: string) => {
      const result = await complete(who, id);
      expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
      return result.data!.completeUpload;
    };
    const query = async (who: string, id: string) =>
      (await h.ok<{ upload: UploadResult | null }>(who, UPLOAD, { id })).upload;
    const rowsOf = async (ownerId: string) =>
      (await h.db.select({ n: count() }).from(uploads).where(eq(uploads.ownerId, ownerId)))[0]!.n;
    const processedEvents = async (uploadId: string) => {
      await h.flush();
      return h.events.events.filter(
        (e) => e.type === 'UploadProcessed' && (e.data as { uploadId: string }).uploadId === uploadId,
      );
    };
    const outboxRowsFor = async (uploadId: string) =>
      (
        await h.db
          .select({ n: count() })
          .from(outboxEvents)
          .where(
            sql`${outboxEvents.type} = 'UploadProcessed' and ${outboxEvents.data}->>'uploadId' = ${uploadId}`,
          )
      )[0]!.n;

    describe('createUpload', () => {
      it('records a pending upload in its channel and returns a signed PUT for exactly the declared bytes', async () => {
        const before = Date.now();
        const target = await created(
          member,
          attachment(text, { filename: ' cafe\u0301.png ', contentType: ' Image/PNG ', size: 1234 }),
        );
        expect(target.method).toBe('PUT');
        expect(target.url).toMatch(/\/media\/upload\/[^/]+$/);
        expect(target.headers).toEqual([
          { name: 'Content-Type', value: 'image/png' },
          { name: 'Content-Length', value: '1234' },
        ]);
        const expires = Date.parse(target.expiresAt);
        expect(expires).toBeGreaterThanOrEqual(before + (TTL_SECONDS - 5) * 1_000);
        expect(expires).toBeLessThanOrEqual(Date.now() + (TTL_SECONDS + 5) * 1_000);
        expect(target.upload).toMatchObject({
          kind: 'ATTACHMENT',
          state: 'PENDING',
          filename: 'café.png',
          contentType: 'image/png',
          size: 1234,
        });
        expect(target.upload.expiresAt).not.toBeNull();
        const row = await findUpload(h.db, target.upload.id);
        expect(row).toMatchObject({
          ownerId: member,
          kind: 'attachment',
          state: 'pending',
          channelId: text,
          parentChannelId: text,
          guildId,
          filename: 'café.png',
          declaredType: 'image/png',
          size: 1234,
          targetId: null,
        });
        expect(await h.objects(`uploads/${target.upload.id}/`)).toEqual([]);
      });

      it('accepts each kind up to its own limit and refuses a byte more, or less than one byte, storing nothing', async () => {
        const limits: [Input, number][] = [
          [attachment(text), LIMITS.attachmentBytes],
          [{ kind: 'AVATAR' }, LIMITS.avatarBytes],
          [{ kind: 'GUILD_ICON', guildId }, LIMITS.iconBytes],
          [{ kind: 'GUILD_BANNER', guildId }, LIMITS.iconBytes],
          [{ kind: 'EMOJI', guildId }, LIMITS.emojiBytes],
        ];
        for (const [input, limit] of limits) {
          expect(codeOf(await create(owner, { ...input, size: limit })), input.kind).toBe('OK');
          const rows = await rowsOf(owner);
          const over = await create(owner, { ...input, size: limit + 1 });
          expect([codeOf(over), fieldOf(over)], input.kind).toEqual(['VALIDATION', 'size']);
          expect(messageOf(over)).toContain(String(limit));
          for (const size of [0, -1]) {
            const tiny = await create(owner, { ...input, size });
            expect([codeOf(tiny), fieldOf(tiny)], `${input.kind} ${size}`).toEqual(['VALIDATION', 'size']);
          }
          expect(await rowsOf(owner)).toBe(rows);
        }
      });

      it('wants a MIME type, and an image for avatars, icons, banners and emoji', async () => {
        const rows = await rowsOf(owner);
        for (const contentType of ['png', 'image/', 'image/png/x', 'image /png', '']) {
          const result = await create(owner, attachment(text, { contentType }));
          expect([codeOf(result), fieldOf(result)], contentType).toEqual(['VALIDATION', 'contentType']);
        }
        for (const input of [
          { kind: 'AVATAR', contentType: 'application/pdf', filename: 'me.pdf' },
          { kind: 'GUILD_ICON', guildId, contentType: 'video/mp4', filename: 'icon.mp4' },
          { kind: 'GUILD_BANNER', guildId, contentType: 'text/plain', filename: 'banner.txt' },
          { kind: 'EMOJI', guildId, contentType: 'audio/mpeg', filename: 'e.mp3' },
        ] satisfies Input[]) {
          const result = await create(owner, input);
          expect([codeOf(result), fieldOf(result)], input.kind).toEqual(['VALIDATION', 'contentType']);
          expect(messageOf(result)).toContain('must be an image');
        }
        expect(await rowsOf(owner)).toBe(rows);
        // Attachments may be any type.
        const pdf = await created(
          owner,
          attachment(text, { contentType: 'application/pdf', filename: 'a.pdf' }),
        );
        expect(pdf.upload.contentType).toBe('application/pdf');
      });

      it('refuses file names with paths, controls, direction overrides, only dots, or over 255 characters', async () => {
        const rows = await rowsOf(member);
        for (const filename of [
          '',
          '   ',
          '../etc/passwd',
          'dir\\cat.png',
          'invoice\u202Efdp.exe',
          'line\nbreak.png',
          '..',
          `${'x'.repeat(252)}.png`,
        ]) {
          const result = await create(member, attachment(text, { filename }));
          expect([codeOf(result), fieldOf(result)], JSON.stringify(filename)).toEqual([
            'VALIDATION',
            'filename',
          ]);
        }
        expect(await rowsOf(member)).toBe(rows);
        const longest = `${'x'.repeat(251)}.png`;
        expect((await created(member, attachment(text, { filename: longest }))).upload.filename).toBe(
          longest,
        );
      });

      it('attachments: whoever may send files in the channel, thread or DM, recorded with its container', async () => {
        const inThread = await created(member, attachment(thread));
        expect(await findUpload(h.db, inThread.upload.id)).toMatchObject({
          channelId: thread,
          parentChannelId: text,
          guildId,
        });
        const inDm = await created(member, attachment(dm));
        expect(await findUpload(h.db, inDm.upload.id)).toMatchObject({
          channelId: dm,
          parentChannelId: dm,
          guildId: null,
        });
        // Sending is allowed in noThreads itself, only not in its threads.
        expect(codeOf(await create(member, attachment(noThreads)))).toBe('OK');

        const rows = await rowsOf(member);
        const refused: [string | undefined, Input, string, string?][] = [
          [outsider, attachment(text), 'FORBIDDEN'],
          [member, attachment(noFiles), 'FORBIDDEN', 'ATTACH_FILES'],
          [member, attachment(noThreadsThread), 'FORBIDDEN', 'SEND_MESSAGES_IN_THREADS'],
          [member, attachment(blockedDm), 'FORBIDDEN'],
          [outsider, attachment(dm), 'FORBIDDEN'],
          [member, attachment(voice), 'VALIDATION', 'voice'],
          [member, attachment(h.ids.next()), 'NOT_FOUND'],
          [member, attachment('not-an-id'), 'VALIDATION', 'channelId'],
          [member, { ...attachment(text), channelId: null }, 'VALIDATION', 'channelId'],
          [undefined, attachment(text), 'UNAUTHENTICATED'],
        ];
        for (const [who, input, code, mentioned] of refused) {
          const result = await create(who, input);
          const what = `${who === member ? 'member' : who ? 'outsider' : 'anonymous'} in ${input.channelId}`;
          expect(codeOf(result), what).toBe(code);
          if (mentioned) expect(messageOf(result), what).toContain(mentioned);
        }
        expect(await rowsOf(member)).toBe(rows);
        expect(await rowsOf(outsider)).toBe(0);
      });

      it('guild icons and banners need MANAGE_GUILD, emoji MANAGE_EMOJIS; avatars only a signed-in user', async () => {
        const allowed: [string, Input][] = [
          [owner, { kind: 'GUILD_ICON', guildId }],
          [iconManager, { kind: 'GUILD_ICON', guildId }],
          [iconManager, { kind: 'GUILD_BANNER', guildId }],
          [owner, { kind: 'EMOJI', guildId }],
          [emojiManager, { kind: 'EMOJI', guildId }],
          [outsider, { kind: 'AVATAR' }],
        ];
        for (const [who, input] of allowed) {
          const target = await created(who, input);
          expect(await findUpload(h.db, target.upload.id), input.kind).toMatchObject({
            ownerId: who,
            kind: input.kind.toLowerCase(),
            guildId: input.kind === 'AVATAR' ? null : guildId,
            channelId: null,
          });
        }
        const refused: [string | undefined, Input, string, string?][] = [
          [member, { kind: 'GUILD_ICON', guildId }, 'FORBIDDEN', 'MANAGE_GUILD'],
          [emojiManager, { kind: 'GUILD_BANNER', guildId }, 'FORBIDDEN', 'MANAGE_GUILD'],
          [member, { kind: 'EMOJI', guildId }, 'FORBIDDEN', 'MANAGE_EMOJIS'],
          [iconManager, { kind: 'EMOJI', guildId }, 'FORBIDDEN', 'MANAGE_EMOJIS'],
          [outsider, { kind: 'GUILD_ICON', guildId }, 'NOT_FOUND'],
          [owner, { kind: 'EMOJI', guildId: h.ids.next() }, 'NOT_FOUND'],
          [owner, { kind: 'GUILD_BANNER' }, 'VALIDATION', 'guildId'],
          [undefined, { kind: 'AVATAR' }, 'UNAUTHENTICATED'],
        ];
        const counts = await Promise.all([member, emojiManager, iconManager, outsider, owner].map(rowsOf));
        for (const [who, input, code, mentioned] of refused) {
          const result = await create(who, input);
          expect(codeOf(result), `${input.kind} by ${who}`).toBe(code);
          if (mentioned) expect(messageOf(result)).toContain(mentioned);
        }
        expect(await Promise.all([member, emojiManager, iconManager, outsider, owner].map(rowsOf))).toEqual(
          counts,
        );
      });
    });

    describe('completeUpload', () => {
      it('inline: a small image is verified and processed within the call, READY with its metadata and previews', async () => {
        const target = await uploaded(member, attachment(text), smallPng);
        const id = target.upload.id;
        const done = await completed(member, id);
        expect(done).toMatchObject({
          id,
          state: 'READY',
          contentType: 'image/png',
          size: smallPng.length,
          width: 64,
          height: 48,
          animated: false,
          error: null,
          expiresAt: null,
          // Never enlarged: each preview is the image's own size.
          previews: [
            { size: 320, width: 64, height: 48 },
            { size: 640, width: 64, height: 48 },
            { size: 1280, width: 64, height: 48 },
          ],
        });
        expect(done.blurhash).toMatch(/^[0-9A-Za-z#$%*+,.:;=?@[\]^_{|}~-]{6,}$/);
        expect(await query(member, id)).toEqual(done);
        expect(await findUpload(h.db, id)).toMatchObject({
          state: 'ready',
          disposition: 'inline',
          cleaned: false,
          completedAt: expect.any(Date) as Date,
        });
        expect(await h.objects(`uploads/${id}/`)).toEqual([
          originalKey(id),
          `uploads/${id}/preview-1280.webp`,
          `uploads/${id}/preview-320.webp`,
          `uploads/${id}/preview-640.webp`,
        ]);
        // Processed within the call: the caller has the answer, no event follows.
        expect(await processedEvents(id)).toEqual([]);
        expect(await outboxRowsFor(id)).toBe(0);
      });

      it('inline: an avatar gets public WebP variants at its sizes, no private previews', async () => {
        const target = await uploaded(member, { kind: 'AVATAR', filename: 'me.png' }, smallPng);
        const id = target.upload.id;
        expect((await completed(member, id)).previews.map((p) => p.size)).toEqual([64, 128, 256, 512]);
        expect(await h.objects(`uploads/${id}/`)).toEqual([originalKey(id)]);
        expect(await h.objects(`public/${id}/`)).toEqual(
          [128, 256, 512, 64].map((size) => `public/${id}/${size}.webp`),
        );
      });

      it('large: PROCESSING at once, READY in the background, and UploadProcessed only after that commit', async () => {
        expect(largePng.length).toBeGreaterThan(INLINE_MAX);
        const target = await uploaded(member, attachment(text, { filename: 'noise.png' }), largePng);
        const id = target.upload.id;
        const release = h.hold(id);
        const started = Date.now();
        const answer = await completed(member, id);
        expect(answer).toMatchObject({ id, state: 'PROCESSING', width: null, previews: [], expiresAt: null });
        // While it is being processed: leased, visible as PROCESSING, nothing announced.
        const processing = await findUpload(h.db, id);
        expect(processing?.state).toBe('processing');
        expect(processing!.expiresAt.getTime()).toBeGreaterThanOrEqual(started + 9 * 60_000);
        expect((await query(member, id))?.state).toBe('PROCESSING');
        expect(await outboxRowsFor(id)).toBe(0);
        expect(await processedEvents(id)).toEqual([]);
        expect(await h.objects(`uploads/${id}/`)).toEqual([originalKey(id)]);

        release();
        await vi.waitFor(async () => expect((await findUpload(h.db, id))?.state).toBe('ready'), {
          timeout: 20_000,
          interval: 50,
        });
        await h.events.until(
          (events) =>
            events.some(
              (e) => e.type === 'UploadProcessed' && (e.data as { uploadId: string }).uploadId === id,
            ),
          'UploadProcessed',
        );
        const events = await processedEvents(id);
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({
          subject: `user.${member}`,
          data: { userId: member, uploadId: id, state: 'ready' },
        });
        // The event left the outbox after the row was ready, never before.
        expect(await atDelivery.get(id)).toBe('ready');
        expect(await query(member, id)).toMatchObject({
          state: 'READY',
          width: 300,
          height: 200,
          previews: [
            { size: 320, width: 300, height: 200 },
            { size: 640, width: 300, height: 200 },
            { size: 1280, width: 300, height: 200 },
          ],
        });
        expect(await h.objects(`uploads/${id}/`)).toHaveLength(4);
      });

      it('large and refused in the background: FAILED, UploadProcessed says so, nothing stored', async () => {
        const page = Buffer.concat([html, Buffer.alloc(INLINE_MAX, ' ')]);
        const target = await uploaded(member, attachment(text, { filename: 'big.png' }), page);
        const id = target.upload.id;
        expect((await completed(member, id)).state).toBe('PROCESSING');
        await vi.waitFor(async () => expect((await findUpload(h.db, id))?.state).toBe('failed'), {
          timeout: 20_000,
          interval: 50,
        });
        await h.events.until(
          (events) =>
            events.some(
              (e) => e.type === 'UploadProcessed' && (e.data as { uploadId: string }).uploadId === id,
            ),
          'UploadProcessed',
        );
        expect((await processedEvents(id)).map((e) => e.data)).toEqual([
          { userId: member, uploadId: id, state: 'failed' },
        ]);
        expect(await atDelivery.get(id)).toBe('failed');
        expect(await query(member, id)).toMatchObject({
          state: 'FAILED',
          error: expect.stringContaining('image/png') as string,
        });
        expect(await h.objects(`uploads/${id}/`)).toEqual([]);
      });

      it('refuses HTML declared as image/png: VALIDATION, the upload FAILED with why, its bytes deleted', async () => {
        const target = await uploaded(member, attachment(text, { filename: 'cat.png' }), html);
        const id = target.upload.id;
        expect(await h.objects(`uploads/${id}/`)).toEqual([originalKey(id)]);
        const result = await complete(member, id);
        expect([codeOf(result), fieldOf(result)]).toEqual(['VALIDATION', 'contentType']);
        const row = await findUpload(h.db, id);
        expect(row).toMatchObject({ state: 'failed', contentType: null, targetId: null });
        expect(row?.error).toContain('image/png');
        expect(await query(member, id)).toMatchObject({ state: 'FAILED', error: row?.error });
        expect(await h.objects(`uploads/${id}/`)).toEqual([]);
        // Completing again says it was refused, and still nothing is stored.
        const again = await complete(member, id);
        expect(codeOf(again)).toBe('VALIDATION');
        expect(messageOf(again)).toContain('refused');
        expect(await h.objects(`uploads/${id}/`)).toEqual([]);
      });

      it('refuses bytes of another length than declared, and a completion before the PUT', async () => {
        const short = await created(member, attachment(text, { size: smallPng.length + 1 }));
        // Written straight into the store, as an S3 PUT that ignored the signed length would.
        await h.blob.write(originalKey(short.upload.id), smallPng, { contentType: 'image/png' });
        const mismatch = await complete(member, short.upload.id);
        expect([codeOf(mismatch), fieldOf(mismatch)]).toEqual(['VALIDATION', 'size']);
        expect(await h.objects(`uploads/${short.upload.id}/`)).toEqual([]);

        const early = await created(member, attachment(text));
        const result = await complete(member, early.upload.id);
        expect([codeOf(result), fieldOf(result)]).toEqual(['VALIDATION', 'file']);
        expect(await h.objects(`uploads/${early.upload.id}/`)).toEqual([]);
        // The upload stayed pending: once the bytes arrive, completing works.
        expect((await findUpload(h.db, early.upload.id))?.state).toBe('pending');
        await h.blob.write(originalKey(early.upload.id), smallPng, { contentType: 'image/png' });
        expect((await completed(member, early.upload.id)).state).toBe('READY');
      });

      it('completes once: again is VALIDATION, and of two at once exactly one processes', async () => {
        const target = await uploaded(member, attachment(text), smallPng);
        const id = target.upload.id;
        expect((await completed(member, id)).state).toBe('READY');
        const before = await findUpload(h.db, id);
        const again = await complete(member, id);
        expect([codeOf(again), fieldOf(again)]).toEqual(['VALIDATION', 'id']);
        expect(messageOf(again)).toContain('already completed');
        expect(await findUpload(h.db, id)).toEqual(before);

        const racing = await uploaded(member, attachment(text), smallPng);
        const both = await Promise.all([
          complete(member, racing.upload.id),
          complete(member, racing.upload.id),
        ]);
        expect(both.map(codeOf).sort()).toEqual(['OK', 'VALIDATION']);
        expect(both.find((r) => codeOf(r) === 'OK')?.data?.completeUpload.state).toBe('READY');
        expect((await findUpload(h.db, racing.upload.id))?.state).toBe('ready');
      });

      it('someone else’s upload, or none, is NOT_FOUND and stays untouched', async () => {
        const target = await uploaded(member, attachment(text), smallPng);
        const id = target.upload.id;
        for (const who of [outsider, owner]) {
          expect(codeOf(await complete(who, id))).toBe('NOT_FOUND');
          expect(await query(who, id)).toBeNull();
        }
        expect(codeOf(await complete(member, h.ids.next()))).toBe('NOT_FOUND');
        expect([codeOf(await complete(member, 'nope')), fieldOf(await complete(member, 'nope'))]).toEqual([
          'VALIDATION',
          'id',
        ]);
        expect(codeOf(await complete(undefined, id))).toBe('UNAUTHENTICATED');
        expect((await findUpload(h.db, id))?.state).toBe('pending');
        expect(await h.objects(`uploads/${id}/`)).toEqual([originalKey(id)]);
        // Its owner still completes it.
        expect((await completed(member, id)).state).toBe('READY');
      });
    });

    describe('a processor that died', () => {
      it('resumeStale takes over an upload whose lease ran out and finishes it; a live lease is left alone', async () => {
        const stale = await uploaded(member, { kind: 'AVATAR', filename: 'me.png' }, smallPng);
        const live = await uploaded(member, attachment(text), smallPng);
        // As completeUpload leaves them (startProcessing), then the process died: one lease ran out.
        await h.db.execute(
          sql`update uploads set state = 'processing', expires_at = now() - interval '1 minute' where id = ${stale.upload.id}`,
        );
        await h.db.execute(
          sql`update uploads set state = 'processing', expires_at = now() + interval '10 minutes' where id = ${live.upload.id}`,
        );
        expect(await h.processor.resumeStale()).toBe(1);
        await h.processor.idle();
        const row = await findUpload(h.db, stale.upload.id);
        expect(row).toMatchObject({ state: 'ready', width: 64, height: 48, contentType: 'image/png' });
        expect(row?.previews.map((p) => p.size)).toEqual([64, 128, 256, 512]);
        expect(await h.objects(`public/${stale.upload.id}/`)).toHaveLength(4);
        await h.events.until(
          (events) =>
            events.some(
              (e) =>
                e.type === 'UploadProcessed' && (e.data as { uploadId: string }).uploadId === stale.upload.id,
            ),
          'UploadProcessed',
        );
        expect((await processedEvents(stale.upload.id)).map((e) => e.data)).toEqual([
          { userId: member, uploadId: stale.upload.id, state: 'ready' },
        ]);
        // Its new lease runs: nothing is left to take over, and the live one was never touched.
        expect(await h.processor.resumeStale()).toBe(0);
        expect((await findUpload(h.db, live.upload.id))?.state).toBe('processing');
        expect(await h.objects(`uploads/${live.upload.id}/`)).toEqual([originalKey(live.upload.id)]);
      });
    });
  },
);
