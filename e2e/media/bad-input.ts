import {
  AuthzKickMemberDocument,
  MediaCompleteUploadDocument,
  MediaCreateUploadDocument,
  MediaMessageDocument,
  MediaSendDocument,
  gql,
  gqlOk,
  joinGuild,
  type TestUser,
} from '@gochat/testkit';
import { expect } from 'vitest';

import { jpeg, png, pngBomb } from './fixtures.ts';
import { absolute, codeOf, expectNothingStored, putBytes, upload, type MediaWorld } from './media-flow.ts';

type Input = Parameters<typeof upload>[2];

/** Creates an upload and PUTs `bytes` (which may differ from what was declared); returns its id. */
async function created(world: MediaWorld, user: TestUser, input: Input & { size: number }, bytes?: Buffer) {
  const { createUpload } = await gqlOk(world.url, MediaCreateUploadDocument, { input }, user.jwt);
  if (bytes) await putBytes(world, createUpload, bytes);
  return createUpload;
}

/** completeUpload refuses with VALIDATION and nothing of the upload remains in the store. */
async function refusedOnCompletion(world: MediaWorld, user: TestUser, uploadId: string, field: string) {
  const result = await gql(world.url, MediaCompleteUploadDocument, { id: uploadId }, user.jwt);
  expect(codeOf(result), JSON.stringify(result.errors)).toBe('VALIDATION');
  expect(result.errors?.[0]?.extensions?.field).toBe(field);
  await expectNothingStored(world, uploadId);
}

/**
 * Every bad input of the media issue: a typed error, nothing stored, the process healthy. The store
 * is checked for each upload's objects; the process's /ready at the end.
 */
export async function badInputs(
  world: MediaWorld,
  options: { attachmentLimit: number; checksSignatures: boolean },
) {
  const { url, alice, bob, mallory, channelId } = world;
  const attachment = (filename: string, contentType: string, size: number): Input & { size: number } => ({
    kind: 'ATTACHMENT',
    channelId,
    filename,
    contentType,
    size,
  });
  const image = await jpeg(64, 48);

  // A declared size that differs from the bytes sent.
  const short = await created(world, alice, attachment('short.jpg', 'image/jpeg', image.length + 10));
  const put = await fetch(absolute(world, short.url), {
    method: 'PUT',
    headers: { 'content-type': 'image/jpeg' },
    body: new Uint8Array(image),
  });
  // The router refuses a length other than the signed one; real S3 would too (signed Content-Length),
  // s3rver does not check, so completion must catch it either way.
  if (options.checksSignatures) expect(put.status).toBe(400);
  await refusedOnCompletion(world, alice, short.upload.id, put.status === 400 ? 'file' : 'size');

  // A size over the limit, and nonsense sizes.
  for (const size of [options.attachmentLimit + 1, 0, -5])
    expect(
      codeOf(
        await gql(
          url,
          MediaCreateUploadDocument,
          { input: attachment('big.bin', 'application/octet-stream', size) },
          alice.jwt,
        ),
      ),
    ).toBe('VALIDATION');

  // Content types that lie about the bytes.
  const exe = await png(32, 32);
  const named = await created(world, alice, attachment('setup.exe', 'image/png', exe.length), exe);
  await refusedOnCompletion(world, alice, named.upload.id, 'filename');
  const html = Buffer.from('<!doctype html><script>alert(document.cookie)</script>');
  const lying = await created(world, alice, attachment('cat.png', 'image/png', html.length), html);
  await refusedOnCompletion(world, alice, lying.upload.id, 'contentType');

  // A decompression bomb (100 megapixels in a few bytes) and a truncated image.
  const bomb = pngBomb(10_000, 10_000);
  const bombed = await created(world, alice, attachment('bomb.png', 'image/png', bomb.length), bomb);
  await refusedOnCompletion(world, alice, bombed.upload.id, 'file');
  const whole = await jpeg(400, 300);
  const truncated = whole.subarray(0, Math.floor(whole.length / 2));
  const cut = await created(world, alice, attachment('cut.jpg', 'image/jpeg', truncated.length), truncated);
  await refusedOnCompletion(world, alice, cut.upload.id, 'file');

  // Completing before uploading, then twice.
  const early = await created(world, alice, attachment('early.jpg', 'image/jpeg', image.length));
  expect(codeOf(await gql(url, MediaCompleteUploadDocument, { id: early.upload.id }, alice.jwt))).toBe(
    'VALIDATION',
  );
  await expectNothingStored(world, early.upload.id);
  // It stays pending: once the bytes arrive, completing works.
  expect((await putBytes(world, early, image)).status).toBe(200);
  const late = await gqlOk(url, MediaCompleteUploadDocument, { id: early.upload.id }, alice.jwt);
  expect(late.completeUpload.state).toBe('READY');
  const done = await upload(world, alice, attachment('twice.jpg', 'image/jpeg', image.length), image);
  expect(done.state).toBe('READY');
  expect(codeOf(await gql(url, MediaCompleteUploadDocument, { id: done.id }, alice.jwt))).toBe('VALIDATION');

  // Someone else's upload: invisible to complete, refused on send.
  expect(codeOf(await gql(url, MediaCompleteUploadDocument, { id: done.id }, bob.jwt))).toBe('NOT_FOUND');
  expect(codeOf(await gql(url, MediaSendDocument, { channelId, attachmentIds: [done.id] }, bob.jwt))).toBe(
    'VALIDATION',
  );

  // An upload for a channel the caller cannot post in (not a member), or that does not exist.
  expect(
    codeOf(
      await gql(
        url,
        MediaCreateUploadDocument,
        { input: attachment('x.jpg', 'image/jpeg', 10) },
        mallory.jwt,
      ),
    ),
  ).toBe('FORBIDDEN');
  expect(
    codeOf(
      await gql(
        url,
        MediaCreateUploadDocument,
        { input: { ...attachment('x.jpg', 'image/jpeg', 10), channelId: '1' } },
        alice.jwt,
      ),
    ),
  ).toBe('NOT_FOUND');

  // More than 10 attachments, and one reused in a second message.
  const eleven = Array.from({ length: 11 }, () => done.id);
  expect(codeOf(await gql(url, MediaSendDocument, { channelId, attachmentIds: eleven }, alice.jwt))).toBe(
    'VALIDATION',
  );
  const { sendMessage } = await gqlOk(
    url,
    MediaSendDocument,
    { channelId, attachmentIds: [done.id] },
    alice.jwt,
  );
  expect(
    codeOf(
      await gql(url, MediaSendDocument, { channelId, content: 'again', attachmentIds: [done.id] }, alice.jwt),
    ),
  ).toBe('VALIDATION');

  // Filenames with path separators, NUL, bidirectional overrides, or 1,000 characters.
  for (const filename of [
    '../../etc/passwd',
    'a\\b.txt',
    'a\u0000b.txt',
    'invoice\u202Efdp.exe',
    'x'.repeat(1_000),
    '',
  ])
    expect(
      codeOf(
        await gql(
          url,
          MediaCreateUploadDocument,
          { input: attachment(filename, 'text/plain', 10) },
          alice.jwt,
        ),
      ),
    ).toBe('VALIDATION');

  // Tampered signed URLs, for upload and download.
  const target = await created(world, alice, attachment('t.jpg', 'image/jpeg', image.length));
  const { message } = await gqlOk(url, MediaMessageDocument, { channelId, id: sendMessage.id }, bob.jwt);
  const downloadUrl = message.attachments[0]!.url;
  if (options.checksSignatures) {
    const tamper = (signed: string) => signed.slice(0, -3) + (signed.endsWith('AAA') ? 'BBB' : 'AAA');
    const tamperedPut = await putBytes(world, { ...target, url: tamper(target.url) }, image);
    expect(tamperedPut.status).toBe(403);
    expect((await fetch(absolute(world, tamper(downloadUrl)))).status).toBe(403);
    await refusedOnCompletion(world, alice, target.upload.id, 'file');
  }

  // A user who lost access: the URL they had works until it expires, and they get no new one.
  const kicked = await gqlOk(
    url,
    AuthzKickMemberDocument,
    { guildId: world.guildId, userId: bob.id },
    alice.jwt,
  );
  expect(kicked).toBeTruthy();
  expect(codeOf(await gql(url, MediaMessageDocument, { channelId, id: sendMessage.id }, bob.jwt))).toBe(
    'FORBIDDEN',
  );
  await expect
    .poll(async () => (await fetch(absolute(world, downloadUrl))).status, { timeout: 20_000, interval: 250 })
    .toBe(403);
  await joinGuild(url, alice.jwt, world.guildId, bob.jwt);

  // The process is still healthy after all of it.
  expect((await fetch(`${url}/ready`)).status).toBe(200);
}
