import path from 'node:path';

import { createDiskBlobStore, urlSigningKey } from '@gochat/blob-store';
import {
  CreateChannelDocument,
  CreateGuildDocument,
  createVerifiedUser,
  freePort,
  gqlOk,
  joinGuild,
  logMailbox,
  startGochat,
  type GochatProcess,
} from '@gochat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { badInputs } from './media/bad-input.ts';
import { guildAvatarEndToEnd } from './media/guild-avatar-flow.ts';
import { attachmentsEndToEnd, publicImagesEndToEnd, type MediaWorld } from './media/media-flow.ts';
import { RELAXED_LIMITS, SECRETS, UNLIMITED_WRITES, tempConfig } from './support.ts';

const URL_TTL_SECONDS = 2;

/**
 * Uploads in embedded mode: one process, files under DATA_DIR/blobs, the router's signed URLs. The
 * test lists the store's objects through the same directory to prove nothing is left behind.
 */
describe('media, embedded (files on disk)', () => {
  let gochat: GochatProcess;
  let world: MediaWorld;

  beforeAll(async () => {
    const { dir, file } = tempConfig(
      RELAXED_LIMITS,
      UNLIMITED_WRITES,
      `messages:\n  attachmentUrlTtlSeconds: ${URL_TTL_SECONDS}\nmedia:\n  limits:\n    attachmentBytes: 2000000\n`,
    );
    gochat = await startGochat({
      env: { DATA_DIR: dir, PORT: String(await freePort()), GOCHAT_CONFIG: file, ...SECRETS },
    });
    const mailbox = logMailbox(gochat);
    const [alice, bob, mallory] = await Promise.all([
      createVerifiedUser(gochat.url, mailbox, { displayName: 'Alice' }),
      createVerifiedUser(gochat.url, mailbox, { displayName: 'Bob' }),
      createVerifiedUser(gochat.url, mailbox, { displayName: 'Mallory' }),
    ]);
    const { createGuild } = await gqlOk(gochat.url, CreateGuildDocument, { name: 'Media guild' }, alice.jwt);
    const { createChannel } = await gqlOk(
      gochat.url,
      CreateChannelDocument,
      { guildId: createGuild.id, name: 'files' },
      alice.jwt,
    );
    await joinGuild(gochat.url, alice.jwt, createGuild.id, bob.jwt);
    // Only to list what is stored: a second handle on the same directory.
    const store = createDiskBlobStore({
      dir: path.join(dir, 'blobs'),
      signingKey: urlSigningKey(SECRETS.INTERNAL_SECRET),
      baseUrl: gochat.url,
    });
    world = {
      url: gochat.url,
      alice,
      bob,
      mallory,
      guildId: createGuild.id,
      channelId: createChannel.id,
      objects: async () => {
        const keys: string[] = [];
        for await (const object of store.list('')) keys.push(object.key);
        return keys;
      },
    };
  });

  afterAll(async () => {
    expect(await gochat.stop('SIGTERM')).toBe(0);
  });

  it('uploads, sends, previews and downloads an image, a video and a text file; deleting removes them', async () => {
    await attachmentsEndToEnd(world, { urlTtlSeconds: URL_TTL_SECONDS });
  });

  it('sets avatars with history, replaces a guild icon and makes an animated emoji', async () => {
    await publicImagesEndToEnd(world);
  });

  it("sets a member's guild avatar: history shows and serves it, replacing deletes, clearing falls back", async () => {
    await guildAvatarEndToEnd(world);
  });

  it('refuses every bad input with a typed error and stores nothing', async () => {
    await badInputs(world, { attachmentLimit: 2_000_000, checksSignatures: true });
  });
});
