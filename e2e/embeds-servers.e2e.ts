import {
  CreateGuildDocument,
  createTestDatabase,
  createVerifiedUser,
  dropTestDatabase,
  freePort,
  gqlOk,
  joinGuild,
  MsgSendDocument,
  realServer,
  smtpMailbox,
  startGochat,
  startS3rver,
  startSmtpSink,
  ViewerFeedDocument,
  wsConnect,
  type GochatProcess,
  type S3rverHandle,
  type SmtpSink,
  type TestUser,
  type WsConnection,
} from '@gochat/testkit';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { holdsConnection, startPageServer, type PageServer } from './embeds/servers-pages.ts';
import { events, feedOf, waitForEvent, type Feed, type FeedEvent } from './realtime-flow.ts';
import { startRoleProcesses } from './role-processes.ts';
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

/** Generous: on a loaded 2-core machine a preview takes a fetch, a picture copy and the outbox. */
const PREVIEW_WITHIN_MS = 60_000;
/** A killed embedder's events come back after the ack wait (5 s here), then are unfurled again. */
const ALL_PREVIEWS_WITHIN_MS = 120_000;
/** What a drain may take before the process gives up and exits 1 (shutdown.timeoutMs). */
const SHUTDOWN_TIMEOUT_MS = 10_000;

interface ShownMedia {
  url: string;
  width: number | null;
  height: number | null;
  contentType: string | null;
}
interface ShownEmbed {
  type: string;
  url: string | null;
  title: string | null;
  description: string | null;
  provider: { name: string | null } | null;
  image: ShownMedia | null;
  thumbnail: ShownMedia | null;
}
interface ShownMessage {
  id: string;
  content: string;
  embeds: ShownEmbed[];
}

const EMBED_FIELDS = `
  id
  content
  embeds {
    type
    url
    title
    description
    provider { name }
    image { url width height contentType }
    thumbnail { url width height contentType }
  }`;

// The testkit's message documents leave embeds out: these ask for them.
const HistoryWithEmbeds = parse(
  `query EmbedsHistory($channelId: ID!, $limit: Int) { messages(channelId: $channelId, limit: $limit) { ${EMBED_FIELDS} } }`,
) as TypedDocumentNode<{ messages: ShownMessage[] }, { channelId: string; limit?: number }>;
const ByIdsWithEmbeds = parse(
  `query EmbedsByIds($channelId: ID!, $ids: [ID!]!) { messagesByIds(channelId: $channelId, ids: $ids) { ${EMBED_FIELDS} } }`,
) as TypedDocumentNode<{ messagesByIds: ShownMessage[] }, { channelId: string; ids: string[] }>;

/** What MessageEmbedsUpdated carries (the stored embeds, pictures as GoChat's copies). */
type EventEmbed = { type: string; url?: string; title?: string; image?: { url: string } };
const embedsOf = (event: FeedEvent) => event.data.embeds as EventEmbed[];
const embedsUpdated = (messageId: string) => (e: FeedEvent) =>
  e.type === 'MessageEmbedsUpdated' && e.data.messageId === messageId;

/**
 * Link previews on real servers: PostgreSQL, NATS JetStream, Redis and S3 (s3rver), every role its
 * own process, two worker:embedder processes sharing one durable consumer, fetching from a loopback
 * OpenGraph site (embeds.allowAddresses opens 127.0.0.1 for this test deployment only).
 */
describe.runIf(pgUrl && natsUrl && redisUrl)(
  'link previews on real servers, the embedder as its own processes',
  () => {
    let databaseUrl: string;
    let smtp: SmtpSink;
    let s3: S3rverHandle;
    let pages: PageServer;
    const namespace = realServersNamespace('embeds', { nats: natsUrl!, redis: redisUrl! });
    const processes: GochatProcess[] = [];
    const killed = new Set<GochatProcess>();
    /** Stopped by a test (which asserted the exit code): not live any more. */
    const stopped = new Set<GochatProcess>();
    const sockets: WsConnection[] = [];
    let shared: Record<string, string>;
    let url: string;
    let alice: TestUser;
    let bob: TestUser;
    let channelId: string;
    let bobFeed: Feed;
    let workerId = 20;

    const startEmbedder = async () => {
      const embedder = await startGochat({
        role: 'worker:embedder',
        env: { ...shared, PORT: '0', WORKER_ID: String(workerId++) },
      });
      processes.push(embedder);
      await embedder.waitForLine(/bound to its durable consumer/, 60_000);
      return embedder;
    };
    const liveEmbedders = () =>
      processes.filter((p) => p.role === 'worker:embedder' && !killed.has(p) && !stopped.has(p));

    /** A live embedder with a request to the page server in flight, once there is one. */
    async function embedderMidFetch(): Promise<GochatProcess> {
      let found: GochatProcess | undefined;
      await expect
        .poll(
          () => {
            const ports = pages.inFlightClientPorts();
            found = liveEmbedders().find((p) => holdsConnection(p.child.pid!, pages.port, ports));
            return found !== undefined;
          },
          { timeout: PREVIEW_WITHIN_MS, interval: 20 },
        )
        .toBe(true);
      return found!;
    }

    const send = async (content: string) =>
      (await gqlOk(url, MsgSendDocument, { channelId, content }, alice.jwt)).sendMessage.id;

    /** Sends the messages, ten at a time; their ids in the same order. */
    async function sendAll(contents: string[]): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < contents.length; i += 10)
        ids.push(...(await Promise.all(contents.slice(i, i + 10).map(send))));
      return ids;
    }

    const byIds = async (ids: string[]) =>
      (await gqlOk(url, ByIdsWithEmbeds, { channelId, ids }, bob.jwt)).messagesByIds;

    /** Polls until every message shows `count` embeds; returns them, by id. */
    async function untilEmbedded(ids: string[], count = 1): Promise<Map<string, ShownMessage>> {
      let shown: ShownMessage[] = [];
      await expect
        .poll(
          async () => {
            shown = await byIds(ids);
            return shown.filter((m) => m.embeds.length === count).length;
          },
          { timeout: ALL_PREVIEWS_WITHIN_MS, interval: 250 },
        )
        .toBe(ids.length);
      return new Map(shown.map((m) => [m.id, m]));
    }

    /** Our copy of a picture: served by GoChat (the router redirects to the bucket), never the site. */
    async function expectOwnCopy(media: { url: string } | null | undefined) {
      expect(media).toBeTruthy();
      expect(media!.url.startsWith(`${shared.PUBLIC_URL}/media/public/embeds/`), media!.url).toBe(true);
      expect(media!.url.startsWith(pages.origin)).toBe(false);
      const response = await fetch(media!.url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/webp');
      const bytes = Buffer.from(await response.arrayBuffer());
      expect(bytes.subarray(8, 12).toString('latin1')).toBe('WEBP');
    }

    beforeAll(async () => {
      databaseUrl = await createTestDatabase(pgUrl!);
      smtp = await startSmtpSink();
      s3 = await startS3rver();
      pages = await startPageServer();
      const embeds = [
        'embeds:',
        "  allowAddresses: ['127.0.0.1/32']",
        `  ports: [${pages.port}]`,
        // Longer than the drain deadline: only the drain's abort can end a held fetch in time.
        '  fetchTimeoutMs: 60000',
        'workers:',
        '  embedder:',
        // A killed embedder's events come back after this, rather than the default 30 s.
        '    ackWaitMs: 5000',
        '',
      ].join('\n');
      const { file } = tempConfig(RELAXED_LIMITS + UNLIMITED_SENDS, UNLIMITED_WRITES, embeds);
      const port = await freePort();
      shared = {
        ...SECRETS,
        ...namespace.env,
        ...s3.env,
        GOCHAT_CONFIG: file,
        DATABASE_URL: databaseUrl,
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        MAIL_PROVIDER: 'smtp',
        SMTP_URL: smtp.url,
        SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      };
      const { routers } = await startRoleProcesses(shared, [port], processes);
      // Bound before anything is sent: the durable consumer starts with new events.
      await Promise.all([startEmbedder(), startEmbedder()]);
      url = routers[0]!.url;
      const mailbox = smtpMailbox(smtp);
      [alice, bob] = await Promise.all(
        ['Alice', 'Bob'].map((displayName) => createVerifiedUser(url, mailbox, { displayName })),
      ).then((users) => [users[0]!, users[1]!]);
      const { createGuild } = await gqlOk(url, CreateGuildDocument, { name: 'Previews guild' }, alice.jwt);
      await joinGuild(url, alice.jwt, createGuild.id, bob.jwt);
      channelId = createGuild.systemChannel!.id;
      const ws = wsConnect(url, bob.jwt);
      sockets.push(ws);
      bobFeed = feedOf(ws, ViewerFeedDocument, {});
      await waitForEvent(bobFeed, (e) => e.type === 'Subscribed', 'viewerFeed', 30_000);
    }, 240_000);

    afterAll(async () => {
      await Promise.all(sockets.map((s) => s.dispose().catch(() => undefined)));
      const codes: Record<string, number | string> = {};
      for (const proc of processes.toReversed()) {
        const code = await proc.stop('SIGTERM');
        if (!killed.has(proc)) codes[`${proc.role} ${proc.child.pid}`] = code;
      }
      await pages?.close();
      await smtp?.close();
      await s3?.close();
      if (databaseUrl) await dropTestDatabase(pgUrl!, databaseUrl);
      await namespace.remove();
      expect(
        Object.values(codes).every((code) => code === 0),
        JSON.stringify(codes),
      ).toBe(true);
    }, 120_000);

    it('previews the links of new messages: the other member gets MessageEmbedsUpdated, history shows them, pictures are our copies', async () => {
      const tag = Date.now().toString(36);
      const [one, first, second] = [`one-${tag}`, `first-${tag}`, `second-${tag}`];
      const [singleId, pairId] = await sendAll([
        `have a look: ${pages.pageUrl(one)}`,
        `two pages ${pages.pageUrl(first)} and ${pages.pageUrl(second)}`,
      ]);

      const single = await waitForEvent(bobFeed, embedsUpdated(singleId!), 'viewerFeed', PREVIEW_WITHIN_MS);
      expect(single.channelId).toBe(channelId);
      expect(embedsOf(single)).toHaveLength(1);
      expect(embedsOf(single)[0]).toMatchObject({
        type: 'article',
        url: pages.pageUrl(one),
        title: pages.titleOf(one),
      });
      await expectOwnCopy(embedsOf(single)[0]!.image);
      const pair = await waitForEvent(bobFeed, embedsUpdated(pairId!), 'viewerFeed', PREVIEW_WITHIN_MS);
      expect(embedsOf(pair).map((e) => e.title)).toEqual([pages.titleOf(first), pages.titleOf(second)]);

      // History, as Bob reads it: the previews in the order of the links, the pictures our copies.
      const { messages } = await gqlOk(url, HistoryWithEmbeds, { channelId, limit: 10 }, bob.jwt);
      const shown = new Map(messages.map((m) => [m.id, m]));
      const [embed] = shown.get(singleId!)!.embeds;
      expect(shown.get(singleId!)!.embeds).toHaveLength(1);
      expect(embed).toMatchObject({
        type: 'ARTICLE',
        url: pages.pageUrl(one),
        title: pages.titleOf(one),
        description: `About ${one}`,
        provider: { name: 'Loopback site' },
        thumbnail: null,
        image: { width: 64, height: 48, contentType: 'image/webp' },
      });
      await expectOwnCopy(embed!.image);
      const pairShown = shown.get(pairId!)!.embeds;
      expect(pairShown.map((e) => [e.type, e.url, e.title])).toEqual([
        ['ARTICLE', pages.pageUrl(first), pages.titleOf(first)],
        ['ARTICLE', pages.pageUrl(second), pages.titleOf(second)],
      ]);
      for (const e of pairShown) await expectOwnCopy(e.image);
      expect(new Set(pairShown.map((e) => e.image!.url)).size).toBe(2);

      // The site saw each page and each picture (the embedders fetched them); the copies are in the bucket.
      for (const name of [one, first, second]) {
        expect(pages.requests).toContain(`/page/${name}`);
        expect(pages.requests).toContain(`/img/${name}.png`);
      }
      expect((await s3.objects()).filter((key) => key.startsWith('embeds/'))).toHaveLength(3);
    }, 180_000);

    it('loses nothing and writes nothing twice when an embedder is killed with fetches in flight', async () => {
      const tag = Date.now().toString(36);
      const names = Array.from({ length: 30 }, (_, i) => `kill-${tag}-${i}`);
      // Every answer takes a while: work is in flight in both processes when the kill comes.
      pages.delayMs = 1_500;
      try {
        const sending = sendAll(names.map((name, i) => `link number ${i}: ${pages.pageUrl(name)}`));
        const victim = await embedderMidFetch();
        killed.add(victim);
        expect(await victim.stop('SIGKILL')).toBe('SIGKILL');
        const ids = await sending;
        await startEmbedder(); // a replacement, as an orchestrator would start

        const shown = await untilEmbedded(ids);
        ids.forEach((id, i) => {
          const embeds = shown.get(id)!.embeds;
          expect(embeds).toHaveLength(1);
          expect(embeds[0]).toMatchObject({ url: pages.pageUrl(names[i]!), title: pages.titleOf(names[i]!) });
          expect(embeds[0]!.image!.url.startsWith(`${shared.PUBLIC_URL}/media/public/embeds/`)).toBe(true);
        });
        // The page the victim was fetching was fetched again: its event came back and was handled anew.
        const pageFetches = names.map((name) => pages.requests.filter((r) => r === `/page/${name}`).length);
        expect(Math.max(...pageFetches)).toBeGreaterThanOrEqual(2);

        // Stored once per message: one {version, embeds} with one preview, for the original content.
        const db = new pg.Client({ connectionString: databaseUrl });
        await db.connect();
        try {
          const { rows } = await db.query<{ id: string; link_embeds: unknown }>(
            'select id::text as id, link_embeds from messages where id::text = any($1::text[])',
            [ids],
          );
          expect(rows).toHaveLength(ids.length);
          for (const row of rows) {
            const name = names[ids.indexOf(row.id)]!;
            expect(row.link_embeds).toEqual({
              version: 'original',
              embeds: [expect.objectContaining({ url: pages.pageUrl(name), title: pages.titleOf(name) })],
            });
          }
        } finally {
          await db.end();
        }

        // Bob's feed: every message's previews arrived, the last word carrying exactly one embed.
        for (const id of ids) await waitForEvent(bobFeed, embedsUpdated(id), 'viewerFeed', PREVIEW_WITHIN_MS);
        for (const id of ids) {
          const updates = events(bobFeed).filter(embedsUpdated(id));
          expect(updates.length).toBeGreaterThanOrEqual(1);
          expect(embedsOf(updates.at(-1)!)).toHaveLength(1);
        }
      } finally {
        pages.delayMs = 0;
      }
    }, 300_000);

    it('drains on SIGTERM with fetches in flight: exits 0 within the deadline, the others finish the work', async () => {
      const tag = Date.now().toString(36);
      const names = Array.from({ length: 6 }, (_, i) => `drain-${tag}-${i}`);
      // Pages are not answered until released: the fetches stay in flight, longer than the deadline.
      pages.hold();
      try {
        // A process handles its events a batch at a time: events that came after a held batch wait in
        // its queue, so only some of the pages are asked for until the site answers.
        const ids = await sendAll(names.map((name) => `draining ${pages.pageUrl(name)}`));
        const victim = await embedderMidFetch();
        const others = liveEmbedders().filter((p) => p !== victim);
        expect(others.length).toBeGreaterThan(0);
        stopped.add(victim);
        const started = Date.now();
        const code = await victim.stop('SIGTERM');
        const took = Date.now() - started;
        expect(code, victim.lines.slice(-30).join('\n')).toBe(0);
        expect(took).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
        await victim.waitForLine(/worker: drained/, 1_000);

        // What it gave back is handled by the embedders still running, once the site answers.
        pages.release();
        const shown = await untilEmbedded(ids);
        ids.forEach((id, i) =>
          expect(shown.get(id)!.embeds.map((e) => e.title)).toEqual([pages.titleOf(names[i]!)]),
        );
      } finally {
        pages.release();
      }
    }, 240_000);
  },
);
