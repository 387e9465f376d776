import fs from 'node:fs';
import os from 'node:os';

import { openDatabase, queryRows, type DatabaseHandle } from '@gochat/db';
import { channels, guildMembers, guilds, roles, user } from '@gochat/drizzle';
import { createIdentitySigner, IDENTITY_HEADER } from '@gochat/identity';
import { createSnowflakeGenerator } from '@gochat/ids';
import { silentLogger } from '@gochat/log';
import { DEFAULT_EVERYONE_PERMISSIONS } from '@gochat/permissions';
import {
  createTestDatabase,
  dropTestDatabase,
  realServer,
  startGochat,
  type GochatProcess,
} from '@gochat/testkit';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { natsServerBinary, startPrivateNats, type PrivateNats } from './private-nats.ts';
import { SECRETS, tempConfig } from './support.ts';

const pgUrl = await realServer('postgres');
const natsBinary = natsServerBinary();

const STREAM = 'CRASH_TEST';
const PREFIX = 'crash';
const SEND = `mutation CrashSend($channelId: ID!, $content: String!) {
  sendMessage(channelId: $channelId, content: $content) { id }
}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface StoredEvent {
  id: string;
  type: string;
  subject: string;
  data: { messageId?: string };
}

/** Every event in the stream, checking that each carries its event id as Nats-Msg-Id (the dedup key). */
async function storedEvents(jsm: JetStreamManager): Promise<StoredEvent[]> {
  const { state } = await jsm.streams.info(STREAM);
  const events: StoredEvent[] = [];
  for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
    const stored = await jsm.streams.getMessage(STREAM, { seq });
    if (!stored) continue;
    const event = stored.json<Omit<StoredEvent, 'subject'>>();
    expect(stored.header.get('Nats-Msg-Id')).toBe(event.id);
    events.push({ ...event, subject: stored.subject });
  }
  return events;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * The crash test, on real servers: the messages subgraph commits messages and their
 * MessageCreated events (transactional outbox) while publishing to JetStream stalls; the process is
 * killed with committed events unpublished; after a restart every committed message is in the stream
 * exactly once. The NATS server is private to this test, so it can be frozen with SIGSTOP.
 */
describe.runIf(pgUrl && natsBinary)('messages: crash between commit and publish', () => {
  let databaseUrl: string;
  let handle: DatabaseHandle;
  let nats: PrivateNats;
  const processes: GochatProcess[] = [];
  const signer = createIdentitySigner(SECRETS.INTERNAL_SECRET);
  const ids = createSnowflakeGenerator(1001);
  const authorId = ids.next();
  const guildId = ids.next();
  const channelId = ids.next();
  let env: Record<string, string>;
  let configDir: string | undefined;

  const startMessages = async () => {
    const proc = await startGochat({ role: 'subgraph:messages', env });
    processes.push(proc);
    return proc;
  };

  /** A send straight to the subgraph, with the identity the router would sign for the author. */
  const send = async (messages: GochatProcess, content: string): Promise<string> => {
    const response = await fetch(`${messages.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [IDENTITY_HEADER]: await signer.sign({ kind: 'user', userId: authorId }),
      },
      body: JSON.stringify({ query: SEND, variables: { channelId, content } }),
    });
    const body = (await response.json()) as { data?: { sendMessage: { id: string } }; errors?: unknown };
    if (!body.data) throw new Error(`send failed: ${JSON.stringify(body.errors)}`);
    return body.data.sendMessage.id;
  };

  const count = async (query: ReturnType<typeof sql>) =>
    Number((await queryRows<{ n: string }>(handle.db, query))[0]!.n);
  const pending = () => count(sql`select count(*) as n from outbox_events where published_at is null`);
  const committedIds = async () =>
    (
      await queryRows<{ id: string }>(
        handle.db,
        sql`select id::text as id from messages where channel_id = ${channelId} order by id`,
      )
    ).map((r) => r.id);

  beforeAll(async () => {
    databaseUrl = await createTestDatabase(pgUrl!);
    nats = await startPrivateNats(natsBinary!);
    const { dir, file } = tempConfig('messages:\n  sendRate: { points: 100000, windowSeconds: 1 }\n');
    configDir = dir;
    env = {
      ...SECRETS,
      GOCHAT_CONFIG: file,
      DATABASE_URL: databaseUrl,
      NATS_URL: nats.url,
      NATS_PREFIX: PREFIX,
      NATS_STREAM: STREAM,
      PORT: '0',
      WORKER_ID: '3',
    };
    handle = await openDatabase({ url: databaseUrl, dataDir: os.tmpdir(), poolSize: 2, log: silentLogger });
  });

  afterAll(async () => {
    for (const proc of processes) await proc.stop('SIGKILL');
    await handle?.close();
    await nats?.stop();
    if (databaseUrl) await dropTestDatabase(pgUrl!, databaseUrl);
    if (configDir) fs.rmSync(configDir, { recursive: true, force: true });
  });

  it('publishes every committed message exactly once after a kill between commit and publish', async () => {
    const first = await startMessages(); // applies the migrations
    const { db } = handle;
    await db.insert(user).values({ id: authorId, name: 'Author', email: `a-${authorId}@crash.test` });
    await db.insert(guilds).values({ id: guildId, name: 'Crash', ownerId: authorId });
    await db.insert(roles).values({
      id: guildId,
      guildId,
      name: '@everyone',
      position: 0,
      permissions: DEFAULT_EVERYONE_PERMISSIONS,
    });
    await db.insert(guildMembers).values({ guildId, userId: authorId });
    await db.insert(channels).values({ id: channelId, guildId, kind: 'text', name: 'crash' });

    // With NATS answering, sends are committed and published: the outbox drains.
    for (let i = 0; i < 5; i++) await send(first, `before the stall ${i}`);
    await until('the outbox to drain', async () => ((await pending()) === 0 ? true : undefined));

    // NATS freezes: the relay's publish waits for an ack that never comes, while sends keep committing.
    nats.pause();
    const acknowledged: string[] = [];
    let stopped = false;
    const senders = Array.from({ length: 2 }, async (_, worker) => {
      for (let i = 0; !stopped; i++) {
        try {
          acknowledged.push(await send(first, `during the stall ${worker}.${i}`));
        } catch {
          return; // the process was killed under this request
        }
      }
    });
    await until('20 sends acknowledged during the stall', () =>
      Promise.resolve(acknowledged.length >= 20 ? true : undefined),
    );
    await first.stop('SIGKILL'); // mid-flight: requests in progress, events committed but not published
    stopped = true;
    await Promise.all(senders);

    // The crash hit the window: committed events are still unpublished.
    const unpublished = await pending();
    expect(unpublished).toBeGreaterThan(0);
    const committed = await committedIds();
    expect(committed).toEqual(expect.arrayContaining(acknowledged));
    expect(committed.length).toBeGreaterThanOrEqual(5 + 20);

    // NATS comes back and stores the publish the dead process had already written to its socket
    // (the relay's in-flight batch), though the outbox never marked it published: the restarted
    // relay will publish it again, and only the Nats-Msg-Id deduplication can keep it single.
    const outstanding = new Set(
      (
        await queryRows<{ id: string }>(
          handle.db,
          sql`select id from outbox_events where published_at is null`,
        )
      ).map((r) => r.id),
    );
    nats.resume();
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      await until('the stalled publish to reach the stream', async () =>
        (await jsm.streams.info(STREAM)).state.messages > 5 ? true : undefined,
      );
      const storedBeforeRestart = await storedEvents(jsm);
      expect(storedBeforeRestart.some((e) => outstanding.has(e.id))).toBe(true);

      // A new process publishes what was committed.
      await startMessages();
      await until('the outbox to drain after the restart', async () =>
        (await pending()) === 0 ? true : undefined,
      );

      const stored = await storedEvents(jsm);
      expect(new Set(stored.map((e) => e.id)).size).toBe(stored.length); // no event stored twice
      const created = stored.filter((e) => e.type === 'MessageCreated');
      for (const event of created)
        expect(event.subject).toBe(`${PREFIX}.channel.${guildId}.${channelId}.messages`);
      // Exactly once: every committed message, each once, and nothing that was not committed.
      expect(created.map((e) => e.data.messageId!).sort()).toEqual([...committed].sort());
    } finally {
      await nc.close();
    }
  });
});
