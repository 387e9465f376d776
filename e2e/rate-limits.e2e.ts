import {
  CreateGuildDocument,
  MeDocument,
  MsgAddReactionDocument,
  MsgEditDocument,
  SendMessageDocument,
  createTestDatabase,
  createVerifiedUser,
  dropTestDatabase,
  freePort,
  gqlOk,
  joinGuild,
  logMailbox,
  realServer,
  startGochat,
  uniqueName,
  wsConnect,
  type GochatProcess,
  type TestUser,
} from '@gochat/testkit';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { print, type GraphQLFormattedError } from 'graphql';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startRoleProcesses } from './role-processes.ts';
import { RELAXED_LIMITS, SECRETS, tempConfig } from './support.ts';

/**
 * Per-user mutation limits at the router. editMessage keeps its shipped rule (10 per 10 s); createGuild
 * gets a short window so the test can see it reset.
 */
const CONFIG = `${RELAXED_LIMITS}
router:
  rateLimits:
    rules:
      createGuild: { points: 2, windowSeconds: 3 }
`;

interface Answer {
  status: number;
  retryAfterHeader: string | null;
  data?: unknown;
  errors?: GraphQLFormattedError[];
}

/** One operation over HTTP, keeping the status and Retry-After header. */
async function post<T, V>(
  url: string,
  document: TypedDocumentNode<T, V>,
  variables: V,
  jwt: string,
): Promise<Answer> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await response.json()) as { data?: unknown; errors?: GraphQLFormattedError[] };
  return {
    status: response.status,
    retryAfterHeader: response.headers.get('retry-after'),
    ...body,
  };
}

const codeOf = (answer: Answer) => answer.errors?.[0]?.extensions?.code;

/** A refusal as the API promises it: HTTP 429, RATE_LIMITED, retryAfter in whole seconds, the same in Retry-After. */
function expectRateLimited(answer: Answer, maxSeconds: number): number {
  expect(answer.status).toBe(429);
  expect(answer.data ?? null).toBeNull();
  expect(codeOf(answer)).toBe('RATE_LIMITED');
  const retryAfter = answer.errors![0]!.extensions!.retryAfter as number;
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(maxSeconds);
  expect(answer.retryAfterHeader).toBe(String(retryAfter));
  return retryAfter;
}

/**
 * The same checks embedded and on real servers. `a` and `b` are two routers (the same one embedded):
 * a budget spent through one is spent for both.
 */
async function rateLimitFlow(
  routers: { a: string; b: string },
  users: { alice: TestUser; bob: TestUser; carol: TestUser },
): Promise<void> {
  const { a, b } = routers;
  const { alice, bob, carol } = users;
  const { createGuild: guild } = await gqlOk(a, CreateGuildDocument, { name: 'Limits' }, alice.jwt);
  const channelId = guild.systemChannel!.id;
  await joinGuild(a, alice.jwt, guild.id, bob.jwt);
  const send = async (user: TestUser) =>
    (await gqlOk(a, SendMessageDocument, { channelId, content: 'original' }, user.jwt)).sendMessage.id;
  const [aliceMessage, bobMessage] = [await send(alice), await send(bob)];
  const edit = (url: string, user: TestUser, messageId: string, n: number) =>
    post(url, MsgEditDocument, { channelId, messageId, content: `edit ${n}` }, user.jwt);

  // 11 edits at once, alternating routers: exactly 10 pass, the 11th is refused with a time to wait.
  const edits = await Promise.all(
    Array.from({ length: 11 }, (_, n) => edit(n % 2 ? b : a, alice, aliceMessage, n)),
  );
  const passed = edits.filter((e) => e.status === 200 && !e.errors);
  const refused = edits.filter((e) => e.status !== 200 || e.errors);
  expect(passed).toHaveLength(10);
  expect(refused).toHaveLength(1);
  expectRateLimited(refused[0]!, 10);
  // A later one through either router is refused too: the budget lives in the shared store.
  expectRateLimited(await edit(b, alice, aliceMessage, 12), 10);
  expectRateLimited(await edit(a, alice, aliceMessage, 13), 10);

  // Other users, and alice's other budgets, are untouched.
  expect((await edit(b, bob, bobMessage, 1)).errors).toBeUndefined();
  await gqlOk(
    b,
    MsgAddReactionDocument,
    { channelId, messageId: aliceMessage, emoji: { unicode: '👍' } },
    alice.jwt,
  );

  // Over WebSocket: a typed error on that operation only; the socket stays open and serves the next one.
  const socket = wsConnect(b, alice.jwt);
  try {
    const refusedWs = socket.subscribe(MsgEditDocument, {
      channelId,
      messageId: aliceMessage,
      content: 'ws',
    });
    const [error] = await refusedWs.firstError(30_000);
    expect(error!.extensions).toMatchObject({ code: 'RATE_LIMITED' });
    expect(error!.extensions!.retryAfter).toBeGreaterThanOrEqual(1);
    expect(refusedWs.payloads).toEqual([]);
    const me = socket.subscribe(MeDocument, {});
    expect((await me.waitForPayloads(1, 30_000))[0]!.me?.id).toBe(alice.id);
    expect(socket.closes).toEqual([]);
  } finally {
    await socket.dispose();
  }

  // createGuild (2 per 3 s in this config): the third is refused, and the budget comes back after the window.
  const created = await Promise.all(
    ['one', 'two'].map((name, n) => post(n ? b : a, CreateGuildDocument, { name }, carol.jwt)),
  );
  expect(created.map((c) => [c.status, c.errors])).toEqual([
    [200, undefined],
    [200, undefined],
  ]);
  let wait = expectRateLimited(await post(a, CreateGuildDocument, { name: 'three' }, carol.jwt), 3);
  const deadline = Date.now() + 60_000;
  for (;;) {
    // Waits what the router said, then asks again: a retry refused again says how long is left.
    await new Promise((r) => setTimeout(r, wait * 1_000));
    const retry = await post(b, CreateGuildDocument, { name: 'three' }, carol.jwt);
    if (retry.status === 200 && !retry.errors) break;
    wait = expectRateLimited(retry, 3);
    if (Date.now() > deadline) throw new Error('createGuild never became allowed again');
  }
}

describe('mutation rate limits, embedded', () => {
  let gochat: GochatProcess;
  let users: { alice: TestUser; bob: TestUser; carol: TestUser };

  beforeAll(async () => {
    const { dir, file } = tempConfig(CONFIG);
    gochat = await startGochat({
      env: { DATA_DIR: dir, PORT: String(await freePort()), GOCHAT_CONFIG: file, ...SECRETS },
    });
    const mailbox = logMailbox(gochat);
    const [alice, bob, carol] = await Promise.all(
      ['Alice', 'Bob', 'Carol'].map((displayName) =>
        createVerifiedUser(gochat.url, mailbox, { displayName }),
      ),
    );
    users = { alice: alice!, bob: bob!, carol: carol! };
  });

  afterAll(async () => {
    expect(await gochat.stop('SIGTERM')).toBe(0);
  });

  it('limits edits and guild creation per user, over HTTP (429) and WebSocket, and resets after the window', async () => {
    await rateLimitFlow({ a: gochat.url, b: gochat.url }, users);
  });
});

const pgUrl = await realServer('postgres');
const natsUrl = await realServer('nats');
const redisUrl = await realServer('redis');

describe.runIf(pgUrl && natsUrl && redisUrl)('mutation rate limits, two routers sharing Redis', () => {
  let databaseUrl: string;
  const prefix = uniqueName('rl')
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
  const processes: GochatProcess[] = [];
  let routerA: GochatProcess;
  let routerB: GochatProcess;
  let users: { alice: TestUser; bob: TestUser; carol: TestUser };

  beforeAll(async () => {
    databaseUrl = await createTestDatabase(pgUrl!);
    const { file } = tempConfig(CONFIG);
    const [portA, portB] = [await freePort(), await freePort()];
    const shared: Record<string, string> = {
      ...SECRETS,
      GOCHAT_CONFIG: file,
      DATABASE_URL: databaseUrl,
      NATS_URL: natsUrl!,
      NATS_PREFIX: prefix,
      NATS_STREAM: prefix.toUpperCase(),
      REDIS_URL: redisUrl!,
      REDIS_PREFIX: `${prefix}:`,
      PUBLIC_URL: `http://127.0.0.1:${portA}`,
    };
    const { accounts, routers } = await startRoleProcesses(shared, [portA, portB], processes);
    [routerA, routerB] = routers as [GochatProcess, GochatProcess];
    const mailbox = logMailbox(accounts);
    const [alice, bob, carol] = await Promise.all(
      ['Alice', 'Bob', 'Carol'].map((displayName) =>
        createVerifiedUser(routerA.url, mailbox, { displayName }),
      ),
    );
    users = { alice: alice!, bob: bob!, carol: carol! };
  }, 120_000);

  afterAll(async () => {
    const codes: (number | string)[] = [];
    for (const proc of processes) codes.push(await proc.stop('SIGTERM'));
    if (databaseUrl) await dropTestDatabase(pgUrl!, databaseUrl);
    const nc = await connect({ servers: natsUrl! });
    await (await jetstreamManager(nc)).streams.delete(prefix.toUpperCase()).catch(() => undefined);
    await nc.close();
    const redis = new Redis(redisUrl!);
    const leftovers = await redis.keys(`${prefix}:*`);
    if (leftovers.length) await redis.del(...leftovers);
    await redis.quit();
    expect(codes.every((c) => c === 0)).toBe(true);
  });

  it('holds one budget per user across both routers, and resets after the window', async () => {
    await rateLimitFlow({ a: routerA.url, b: routerB.url }, users);
  });
});
