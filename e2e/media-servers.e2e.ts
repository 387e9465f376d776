import {
  CreateGuildDocument,
  createTestDatabase,
  createVerifiedUser,
  dropTestDatabase,
  freePort,
  gqlOk,
  joinGuild,
  realServer,
  smtpMailbox,
  startGochat,
  startS3rver,
  startSmtpSink,
  type GochatProcess,
  type S3rverHandle,
  type SmtpSink,
} from '@gochat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { badInputs } from './media/bad-input.ts';
import { guildAvatarEndToEnd } from './media/guild-avatar-flow.ts';
import { attachmentsEndToEnd, publicImagesEndToEnd, type MediaWorld } from './media/media-flow.ts';
import { startRoleProcesses } from './role-processes.ts';
import { RELAXED_LIMITS, SECRETS, UNLIMITED_WRITES, realServersNamespace, tempConfig } from './support.ts';

const pgUrl = await realServer('postgres');
const natsUrl = await realServer('nats');
const redisUrl = await realServer('redis');

const URL_TTL_SECONDS = 2;

/**
 * Uploads on real servers: PostgreSQL, NATS JetStream, Redis and S3 (s3rver on loopback), each role
 * its own process, the media janitor included. The bytes go straight to the bucket: the router only
 * redirects public assets there.
 */
describe.runIf(pgUrl && natsUrl && redisUrl)(
  'media on real servers, one process per role, S3 through s3rver',
  () => {
    let databaseUrl: string;
    let smtp: SmtpSink;
    let s3: S3rverHandle;
    const namespace = realServersNamespace('media', { nats: natsUrl!, redis: redisUrl! });
    const processes: GochatProcess[] = [];
    let world: MediaWorld;

    beforeAll(async () => {
      databaseUrl = await createTestDatabase(pgUrl!);
      smtp = await startSmtpSink();
      s3 = await startS3rver();
      const { file } = tempConfig(
        RELAXED_LIMITS,
        UNLIMITED_WRITES,
        `messages:\n  attachmentUrlTtlSeconds: ${URL_TTL_SECONDS}\nmedia:\n  limits:\n    attachmentBytes: 2000000\n`,
      );
      const port = await freePort();
      const shared = {
        ...SECRETS,
        ...namespace.env,
        ...s3.env,
        GOCHAT_CONFIG: file,
        DATABASE_URL: databaseUrl,
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        MAIL_PROVIDER: 'smtp',
        SMTP_URL: smtp.url,
      };
      const { routers } = await startRoleProcesses(shared, [port], processes);
      const janitor = await startGochat({
        role: 'worker:media-janitor',
        env: { ...shared, PORT: '0', WORKER_ID: '20' },
      });
      processes.push(janitor);
      const router = routers[0]!;
      const mailbox = smtpMailbox(smtp);
      const [alice, bob, mallory] = await Promise.all(
        ['Alice', 'Bob', 'Mallory'].map((displayName) =>
          createVerifiedUser(router.url, mailbox, { displayName }),
        ),
      );
      const { createGuild } = await gqlOk(router.url, CreateGuildDocument, { name: 'S3 guild' }, alice!.jwt);
      await joinGuild(router.url, alice!.jwt, createGuild.id, bob!.jwt);
      world = {
        url: router.url,
        alice: alice!,
        bob: bob!,
        mallory: mallory!,
        guildId: createGuild.id,
        channelId: createGuild.systemChannel!.id,
        objects: () => s3.objects(),
      };
    });

    afterAll(async () => {
      const codes: Record<string, number | string> = {};
      for (const proc of processes.reverse()) codes[proc.role] = await proc.stop('SIGTERM');
      await smtp?.close();
      await s3?.close();
      if (databaseUrl) await dropTestDatabase(pgUrl!, databaseUrl);
      await namespace.remove();
      expect(
        Object.values(codes).every((c) => c === 0),
        JSON.stringify(codes),
      ).toBe(true);
    });

    it('uploads straight to S3, sends, previews and downloads through presigned URLs; deleting removes them', async () => {
      await attachmentsEndToEnd(world, { urlTtlSeconds: URL_TTL_SECONDS });
    });

    it('serves avatars, icons and an animated emoji from the bucket (the router redirects)', async () => {
      await publicImagesEndToEnd(world);
    });

    it("serves a member's guild avatar from the bucket, computed by the guilds process", async () => {
      await guildAvatarEndToEnd(world);
    });

    it('refuses every bad input with a typed error and stores nothing', async () => {
      // s3rver does not check signatures or signed headers (real S3 does): completion catches the rest.
      await badInputs(world, { attachmentLimit: 2_000_000, checksSignatures: false });
    });
  },
);
