import {
  createTestDatabase,
  createVerifiedUser,
  dropTestDatabase,
  freePort,
  realServer,
  smtpMailbox,
  startGochat,
  startSmtpSink,
  type GochatProcess,
  type SmtpSink,
} from '@gochat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { messagingFlow } from './messaging-flow.ts';
import {
  RELAXED_LIMITS,
  SECRETS,
  UNLIMITED_SENDS,
  UNLIMITED_WRITES,
  realServersNamespace,
  tempConfig,
} from './support.ts';

const pgUrl = await realServer('postgres');
const natsUrl = await realServer('nats');
const redisUrl = await realServer('redis');

/**
 * A set of roles in one process (`gochat start router,subgraph:accounts,subgraph:guilds`): the router
 * calls the set's subgraphs in-process and the messages subgraph, started on its own, over HTTP.
 */
describe.runIf(pgUrl && natsUrl && redisUrl)('a set of roles in one process, the rest in another', () => {
  let databaseUrl: string;
  let smtp: SmtpSink;
  const namespace = realServersNamespace('sets', { nats: natsUrl!, redis: redisUrl! });
  let messages: GochatProcess | undefined;
  let router: GochatProcess | undefined;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase(pgUrl!);
    smtp = await startSmtpSink();
    const { file } = tempConfig(RELAXED_LIMITS + UNLIMITED_SENDS, UNLIMITED_WRITES);
    const port = await freePort();
    const shared = {
      ...SECRETS,
      GOCHAT_CONFIG: file,
      DATABASE_URL: databaseUrl,
      ...namespace.env,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      MAIL_PROVIDER: 'smtp',
      SMTP_URL: smtp.url,
    };
    messages = await startGochat({
      role: 'subgraph:messages',
      env: { ...shared, PORT: '0', WORKER_ID: '1' },
    });
    router = await startGochat({
      role: 'router,subgraph:accounts,subgraph:guilds,subgraph:media,subgraph:search,subgraph:voice',
      env: { ...shared, PORT: String(port), WORKER_ID: '2', MESSAGES_URL: messages.url },
    });
  });

  afterAll(async () => {
    const codes = [await router?.stop('SIGTERM'), await messages?.stop('SIGTERM')];
    await smtp?.close();
    if (databaseUrl) await dropTestDatabase(pgUrl!, databaseUrl);
    await namespace.remove();
    expect(codes.filter((code) => code !== undefined)).toEqual([0, 0]);
  });

  it('serves the router alone on the port', () => {
    const listening = router!.stdout.filter((line) => line.includes(': listening'));
    expect(listening.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(['router: listening']);
  });

  it('runs a conversation through both processes', async () => {
    const mailbox = smtpMailbox(smtp);
    const [alice, bob, carol] = await Promise.all(
      ['Alice', 'Bob', 'Carol'].map((displayName) =>
        createVerifiedUser(router!.url, mailbox, { displayName }),
      ),
    );
    const flow = await messagingFlow({ url: router!.url }, { alice: alice!, bob: bob!, carol: carol! });
    // Every message went to the messages process: the router's process has no messages role.
    expect(flow.firstId).toBeTruthy();
  });
});
