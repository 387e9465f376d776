import {
  CreateChannelDocument,
  CreateGuildDocument,
  createTestDatabase,
  createVerifiedUser,
  dropTestDatabase,
  freePort,
  gqlOk,
  MsgSendDocument,
  realServer,
  SearchMessagesDocument,
  smtpMailbox,
  startGochat,
  startSmtpSink,
  type GochatProcess,
  type SmtpSink,
} from '@gochat/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startRoleProcesses } from './role-processes.ts';
import { runReindex } from './search/reindex-process.ts';
import {
  directSearchEndToEnd,
  guildSearchEndToEnd,
  INDEXED_WITHIN_MS,
  type SearchWorld,
} from './search/search-flow.ts';
import {
  RELAXED_LIMITS,
  SECRETS,
  UNLIMITED_SENDS,
  UNLIMITED_WRITES,
  realServersNamespace,
  tempConfig,
} from './support.ts';

const INDEXER_ACK_WAIT = 'workers:\n  indexer:\n    ackWaitMs: 5000\n';

const pgUrl = await realServer('postgres');
const natsUrl = await realServer('nats');
const redisUrl = await realServer('redis');

/**
 * Search on real servers: PostgreSQL (full-text search), NATS JetStream and Redis, each role its own
 * process, two indexer processes sharing one durable consumer.
 */
describe.runIf(pgUrl && natsUrl && redisUrl)(
  'search on real servers, the indexer as its own processes',
  () => {
    let databaseUrl: string;
    let smtp: SmtpSink;
    const namespace = realServersNamespace('search', { nats: natsUrl!, redis: redisUrl! });
    const processes: GochatProcess[] = [];
    const killed = new Set<GochatProcess>();
    let shared: Record<string, string>;
    let world: SearchWorld;
    let workerId = 20;
    const startIndexer = async () => {
      const indexer = await startGochat({
        role: 'worker:indexer',
        env: { ...shared, PORT: '0', WORKER_ID: String(workerId++) },
      });
      processes.push(indexer);
      return indexer;
    };

    beforeAll(async () => {
      databaseUrl = await createTestDatabase(pgUrl!);
      smtp = await startSmtpSink();
      // A killed indexer's batch comes back after the ack wait: shorter than the default 30 s here.
      const { file } = tempConfig(RELAXED_LIMITS + UNLIMITED_SENDS, UNLIMITED_WRITES, INDEXER_ACK_WAIT);
      const port = await freePort();
      shared = {
        ...SECRETS,
        ...namespace.env,
        GOCHAT_CONFIG: file,
        DATABASE_URL: databaseUrl,
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        MAIL_PROVIDER: 'smtp',
        SMTP_URL: smtp.url,
      };
      const { routers } = await startRoleProcesses(shared, [port], processes);
      await Promise.all([startIndexer(), startIndexer()]);
      const router = routers[0]!;
      const mailbox = smtpMailbox(smtp);
      const tag = Date.now().toString(36);
      const users = await Promise.all(
        ['alice', 'bob', 'carol'].map(async (name) => ({
          ...(await createVerifiedUser(router.url, mailbox, { displayName: name, handle: `${name}_${tag}` })),
          handle: `${name}_${tag}`,
        })),
      );
      world = { url: router.url, alice: users[0]!, bob: users[1]!, carol: users[2]! };
    });

    afterAll(async () => {
      const codes = [];
      for (const proc of processes.toReversed()) {
        const code = await proc.stop('SIGTERM');
        if (!killed.has(proc)) codes.push(code);
      }
      await smtp?.close();
      if (databaseUrl) await dropTestDatabase(pgUrl!, databaseUrl);
      await namespace.remove();
      expect(codes.every((code) => code === 0)).toBe(true);
    });

    it('finds messages across a guild, only where the member may read, with edits, deletes and the syntax', async () => {
      await guildSearchEndToEnd(world);
    });

    it('finds DM messages only for their participants', async () => {
      await directSearchEndToEnd(world);
    });

    /** Sends `count` messages with the word, several at once; their ids in send order. */
    async function burst(channelId: string, word: string, count: number) {
      const ids: string[] = [];
      for (let i = 0; i < count; i += 10)
        ids.push(
          ...(await Promise.all(
            Array.from({ length: Math.min(10, count - i) }, async (_, j) => {
              const { sendMessage } = await gqlOk(
                world.url,
                MsgSendDocument,
                { channelId, content: `${word} number ${i + j}` },
                world.alice.jwt,
              );
              return sendMessage.id;
            }),
          )),
        );
      return ids;
    }

    /** Every id a search for the word returns, paging through all results. */
    async function allResults(guildId: string, word: string) {
      const seen: string[] = [];
      let after: string | null | undefined;
      do {
        const { searchMessages } = await gqlOk(
          world.url,
          SearchMessagesDocument,
          { guildId, query: word, limit: 100, after },
          world.alice.jwt,
        );
        seen.push(...searchMessages.results.map((r) => r.message.id));
        after = searchMessages.nextCursor;
      } while (after);
      return seen;
    }

    async function guildWithChannel(name: string) {
      const { createGuild } = await gqlOk(world.url, CreateGuildDocument, { name }, world.alice.jwt);
      const { createChannel } = await gqlOk(
        world.url,
        CreateChannelDocument,
        { guildId: createGuild.id, name: 'bulk' },
        world.alice.jwt,
      );
      return { guildId: createGuild.id, channelId: createChannel.id };
    }

    it('loses nothing when an indexer is killed mid-batch: every message found once', async () => {
      const { guildId, channelId } = await guildWithChannel('Kill test');
      const word = `walrus${Date.now().toString(36)}`;
      const victim = processes.find((p) => p.role === 'worker:indexer' && !killed.has(p))!;
      const sending = burst(channelId, word, 200);
      // Kill one of the two indexers once indexing is under way, with events still coming.
      await expect
        .poll(async () => (await allResults(guildId, word)).length, {
          timeout: INDEXED_WITHIN_MS,
          interval: 50,
        })
        .toBeGreaterThan(0);
      killed.add(victim);
      await victim.stop('SIGKILL');
      const sent = await sending;
      await startIndexer(); // a replacement, as an orchestrator would start
      await expect
        .poll(async () => (await allResults(guildId, word)).length, {
          timeout: INDEXED_WITHIN_MS * 2,
          interval: 200,
        })
        .toBe(200);
      const found = await allResults(guildId, word);
      expect(new Set(found).size).toBe(200);
      expect(found.toSorted()).toEqual(sent.toSorted());
    });

    it('rebuilds a guild from the message store with gochat reindex, resuming after a kill', async () => {
      const { guildId, channelId } = await guildWithChannel('Reindex test');
      const word = `narwhal${Date.now().toString(36)}`;
      const sent = await burst(channelId, word, 120);
      await expect
        .poll(async () => (await allResults(guildId, word)).length, {
          timeout: INDEXED_WITHIN_MS,
          interval: 100,
        })
        .toBe(120);
      // The index loses the guild (a restore from an old backup, say), and a stray document appears.
      const db = new pg.Client({ connectionString: databaseUrl });
      await db.connect();
      try {
        await db.query('delete from message_search where guild_id = $1', [guildId]);
        expect(await allResults(guildId, word)).toEqual([]);
        const env = { ...shared, LOG_LEVEL: 'info' };
        const first = runReindex(['--guild', guildId, '--page-size', '1'], env);
        const progress = async () =>
          Number(
            (
              await db.query(`select position->>'written' as n from search_reindex_runs where scope = $1`, [
                `guild:${guildId}`,
              ])
            ).rows[0]?.n ?? 0,
          );
        await expect.poll(progress, { timeout: 30_000, interval: 20 }).toBeGreaterThan(0);
        first.kill();
        expect((await first.exited).signal).toBe('SIGKILL');
        const stopped = await progress();
        expect(stopped).toBeLessThan(120);
        const second = runReindex(['--guild', guildId], env);
        const { code } = await second.exited;
        expect(code, second.output().stderr).toBe(0);
        expect(second.output().stdout).toContain('(resumed)');
        const found = await allResults(guildId, word);
        expect(found.toSorted()).toEqual(sent.toSorted());
        const finished = await db.query('select finished_at from search_reindex_runs where scope = $1', [
          `guild:${guildId}`,
        ]);
        expect(finished.rows[0]?.finished_at).not.toBeNull();
      } finally {
        await db.end();
      }
    });
  },
);
