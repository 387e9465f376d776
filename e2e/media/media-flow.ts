import {
  MediaAvatarHistoryDocument,
  MediaCompleteUploadDocument,
  MediaCreateEmojiDocument,
  MediaCreateUploadDocument,
  MediaDeleteEmojiDocument,
  MediaHistoryDocument,
  MediaMessageDocument,
  MediaSendDocument,
  MediaSetAvatarDocument,
  MediaSetGuildIconDocument,
  MediaUserAvatarDocument,
  MsgDeleteDocument,
  gql,
  gqlOk,
  type TestUser,
} from '@gochat/testkit';
import type { CreateUploadInput } from '@gochat/testkit';
import sharp from 'sharp';
import { expect, vi } from 'vitest';

import { animatedGif, jpeg, mp4, png } from './fixtures.ts';

/** A running deployment and the people in it: alice owns the guild, bob is a member, mallory is not. */
export interface MediaWorld {
  url: string;
  alice: TestUser;
  bob: TestUser;
  mallory: TestUser;
  guildId: string;
  channelId: string;
  /** Every object key in the blob store (the disk directory or the S3 bucket). */
  objects(): Promise<string[]>;
}

export const codeOf = (result: { errors?: readonly { extensions?: Record<string, unknown> }[] }) =>
  result.errors?.[0]?.extensions?.code;

/** Resolves a URL the API returned (relative when the API has no public base URL) against the router. */
export const absolute = (world: MediaWorld, url: string) => new URL(url, world.url).toString();

/** createUpload, PUT the bytes exactly as told, completeUpload: the upload as completion returns it. */
export async function upload(
  world: MediaWorld,
  user: TestUser,
  input: Omit<CreateUploadInput, 'size'> & { size?: number },
  bytes: Buffer,
) {
  const { createUpload } = await gqlOk(
    world.url,
    MediaCreateUploadDocument,
    { input: { ...input, size: input.size ?? bytes.length } },
    user.jwt,
  );
  const put = await putBytes(world, createUpload, bytes);
  expect(put.status, await put.text()).toBe(200);
  const { completeUpload } = await gqlOk(
    world.url,
    MediaCompleteUploadDocument,
    { id: createUpload.upload.id },
    user.jwt,
  );
  return completeUpload;
}

export function putBytes(
  world: MediaWorld,
  target: { url: string; method: string; headers: readonly { name: string; value: string }[] },
  bytes: Buffer,
) {
  const headers = Object.fromEntries(target.headers.map((h) => [h.name, h.value]));
  return fetch(absolute(world, target.url), { method: target.method, headers, body: new Uint8Array(bytes) });
}

/** No object of this upload is left in the store. */
export async function expectNothingStored(world: MediaWorld, uploadId: string) {
  await vi.waitFor(
    async () => expect((await world.objects()).filter((k) => k.includes(uploadId))).toEqual([]),
    {
      timeout: 20_000,
      interval: 100,
    },
  );
}

/**
 * The whole attachment path: an image, a video and a text file uploaded to a channel and sent; a
 * second member sees previews and dimensions and downloads each byte for byte; an outsider is refused
 * the message and, once the URL expires, the file; deleting the message deletes the objects.
 */
export async function attachmentsEndToEnd(world: MediaWorld, options: { urlTtlSeconds: number }) {
  const { url, alice, bob, mallory, channelId } = world;
  const before = (await world.objects()).length;
  const image = await jpeg(800, 600);
  const video = await mp4();
  const text = Buffer.from('hello, files\nsecond line\n', 'utf8');

  const img = await upload(
    world,
    alice,
    { kind: 'ATTACHMENT', channelId, filename: 'photo.jpg', contentType: 'image/jpeg' },
    image,
  );
  expect(img).toMatchObject({
    state: 'READY',
    contentType: 'image/jpeg',
    width: 800,
    height: 600,
    animated: false,
  });
  expect(img.blurhash).toMatch(/^[0-9A-Za-z#$%*+,\-.:;=?@[\]^_{|}~]{6,}$/);
  expect(img.previews.map((p) => p.size)).toEqual([320, 640, 1280]);
  expect(img.previews[0]).toMatchObject({ width: 320, height: 240 });
  // The original and its three previews are in the store (so the "nothing left" checks below can fail).
  expect((await world.objects()).filter((k) => k.includes(img.id)).sort()).toEqual([
    `uploads/${img.id}/original`,
    ...[1280, 320, 640].map((s) => `uploads/${img.id}/preview-${s}.webp`),
  ]);

  const vid = await upload(
    world,
    alice,
    { kind: 'ATTACHMENT', channelId, filename: 'clip.mp4', contentType: 'video/mp4' },
    video,
  );
  expect(vid).toMatchObject({ state: 'READY', contentType: 'video/mp4', width: 160, height: 120 });
  expect(vid.durationSeconds).toBeGreaterThan(0.8);
  expect(vid.durationSeconds).toBeLessThan(1.5);
  expect(vid.previews.length).toBeGreaterThan(0);

  const txt = await upload(
    world,
    alice,
    { kind: 'ATTACHMENT', channelId, filename: 'notes.txt', contentType: 'text/plain' },
    text,
  );
  expect(txt).toMatchObject({ state: 'READY', contentType: 'text/plain; charset=utf-8', width: null });

  const { sendMessage } = await gqlOk(
    url,
    MediaSendDocument,
    { channelId, content: '', attachmentIds: [img.id, vid.id, txt.id] },
    alice.jwt,
  );
  expect(sendMessage.attachments.map((a) => a.id)).toEqual([img.id, vid.id, txt.id]);

  // Bob, a member, reads it from history: metadata and signed URLs come with the page.
  const { messages } = await gqlOk(url, MediaHistoryDocument, { channelId }, bob.jwt);
  const seen = messages.find((m) => m.id === sendMessage.id)!;
  const [a, v, t] = seen.attachments;
  expect(a).toMatchObject({ filename: 'photo.jpg', width: 800, height: 600, contentType: 'image/jpeg' });
  expect(v).toMatchObject({ filename: 'clip.mp4', width: 160, height: 120 });
  expect(t).toMatchObject({ filename: 'notes.txt', size: text.length });
  for (const [attachment, bytes] of [
    [a!, image],
    [v!, video],
    [t!, text],
  ] as const) {
    const response = await fetch(absolute(world, attachment.url));
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
    expect(response.headers.get('content-type')).toContain(attachment.contentType.split(';')[0]!);
  }
  const preview = await fetch(absolute(world, a!.previews[0]!.url));
  expect(preview.status).toBe(200);
  expect(preview.headers.get('content-type')).toBe('image/webp');
  const ranged = await fetch(absolute(world, v!.url), { headers: { range: 'bytes=0-99' } });
  expect(ranged.status).toBe(206);
  expect((await ranged.arrayBuffer()).byteLength).toBe(100);

  // Mallory is no member: the message is refused, and a URL copied to her stops working when it expires.
  expect(codeOf(await gql(url, MediaMessageDocument, { channelId, id: sendMessage.id }, mallory.jwt))).toBe(
    'FORBIDDEN',
  );
  await vi.waitFor(async () => expect((await fetch(absolute(world, a!.url))).status).toBe(403), {
    timeout: (options.urlTtlSeconds + 15) * 1_000,
    interval: 250,
  });

  // An upload is sent once.
  expect(
    codeOf(
      await gql(url, MediaSendDocument, { channelId, content: 'again', attachmentIds: [img.id] }, alice.jwt),
    ),
  ).toBe('VALIDATION');

  // Deleting the message deletes its files (after the commit, through the janitor).
  await gqlOk(url, MsgDeleteDocument, { channelId, messageId: sendMessage.id }, alice.jwt);
  for (const id of [img.id, vid.id, txt.id]) await expectNothingStored(world, id);
  expect((await world.objects()).length).toBe(before);
}

/** Avatars (with history), a guild icon replaced (the old one deleted) and an animated emoji. */
export async function publicImagesEndToEnd(world: MediaWorld) {
  const { url, alice, bob, guildId } = world;
  const first = await upload(
    world,
    alice,
    { kind: 'AVATAR', filename: 'me.png', contentType: 'image/png' },
    await png(300, 300),
  );
  expect(first.state).toBe('READY');
  const { setAvatar } = await gqlOk(url, MediaSetAvatarDocument, { uploadId: first.id }, alice.jwt);
  expect(setAvatar.avatarUrl).toBeTruthy();
  const served = await fetch(absolute(world, setAvatar.avatarUrl!));
  expect(served.status).toBe(200);
  expect(served.headers.get('content-type')).toBe('image/webp');
  // Others see it through the User entity.
  const { user } = await gqlOk(url, MediaUserAvatarDocument, { id: alice.id }, bob.jwt);
  expect(user?.avatarUrl).toMatch(/64\.webp$/);

  const second = await upload(
    world,
    alice,
    { kind: 'AVATAR', filename: 'me2.png', contentType: 'image/png' },
    await png(200, 200, '#cc3366'),
  );
  await gqlOk(url, MediaSetAvatarDocument, { uploadId: second.id }, alice.jwt);
  const { avatarHistory } = await gqlOk(url, MediaAvatarHistoryDocument, {}, alice.jwt);
  expect(avatarHistory.map((h) => [h.id, h.current])).toEqual([
    [second.id, true],
    [first.id, false],
  ]);

  // Guild icon, replaced: the first icon's objects go.
  const icon1 = await upload(
    world,
    alice,
    { kind: 'GUILD_ICON', guildId, filename: 'icon.png', contentType: 'image/png' },
    await png(256, 256),
  );
  const { setGuildIcon } = await gqlOk(
    url,
    MediaSetGuildIconDocument,
    { guildId, uploadId: icon1.id },
    alice.jwt,
  );
  expect((await fetch(absolute(world, setGuildIcon.iconUrl!))).status).toBe(200);
  const icon2 = await upload(
    world,
    alice,
    { kind: 'GUILD_ICON', guildId, filename: 'icon2.png', contentType: 'image/png' },
    await png(256, 256, '#00aa00'),
  );
  await gqlOk(url, MediaSetGuildIconDocument, { guildId, uploadId: icon2.id }, alice.jwt);
  await expectNothingStored(world, icon1.id);
  // Bob (no MANAGE_GUILD) cannot set it.
  expect(codeOf(await gql(url, MediaSetGuildIconDocument, { guildId, uploadId: null }, bob.jwt))).toBe(
    'FORBIDDEN',
  );

  // An animated emoji: detected from the GIF, served as animated WebP, deleted with the emoji.
  const gif = await upload(
    world,
    alice,
    { kind: 'EMOJI', guildId, filename: 'party.gif', contentType: 'image/gif' },
    await animatedGif(64),
  );
  expect(gif).toMatchObject({ state: 'READY', animated: true });
  const { createEmoji } = await gqlOk(
    url,
    MediaCreateEmojiDocument,
    { guildId, name: 'party', uploadId: gif.id },
    alice.jwt,
  );
  expect(createEmoji).toMatchObject({ animated: true, imageAvailable: true });
  const emojiImage = await fetch(absolute(world, createEmoji.url!));
  expect(emojiImage.status).toBe(200);
  expect(emojiImage.headers.get('content-type')).toBe('image/webp');
  const frames = await sharp(Buffer.from(await emojiImage.arrayBuffer()), { animated: true }).metadata();
  expect(frames.pages).toBeGreaterThan(1);
  expect((await world.objects()).some((k) => k.startsWith(`public/${gif.id}/`))).toBe(true);
  await gqlOk(url, MediaDeleteEmojiDocument, { id: createEmoji.id }, alice.jwt);
  await expectNothingStored(world, gif.id);
}
