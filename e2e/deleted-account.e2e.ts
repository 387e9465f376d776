import { once } from 'node:events';

import {
  createTestDatabase,
  createVerifiedUser,
  dropTestDatabase,
  freePort,
  logMailbox,
  logRecords,
  realServer,
  type GochatProcess,
  type TestUser,
} from '@gochat/testkit';
import type { GraphQLFormattedError } from 'graphql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startRoleProcesses } from './role-processes.ts';
import { RELAXED_LIMITS, SECRETS, tempConfig } from './support.ts';

const pgUrl = await realServer('postgres');

/**
 * An account whose row is gone while its JWT is still valid (deleted from the database: deleteAccount
 * keeps a scrubbed row, see account-deletion.e2e.ts) gets UNAUTHENTICATED from every subgraph, never INTERNAL_SERVER_ERROR
 * with its SQL in the log. One process per role on real PostgreSQL, each role with /metrics on a
 * port of its own.
 */
describe.runIf(pgUrl)('a deleted account, end to end (one process per role, PostgreSQL)', () => {
  let databaseUrl: string;
  const processes: GochatProcess[] = [];
  let router: GochatProcess;
  let alice: TestUser;
  let ghost: TestUser;
  let guildId: string;
  let channelId: string;
  let directChannelId: string;
  let inviteCode: string;
  const aliceHandle = `alice.${Date.now().toString(36)}`;

  const gql = async (query: string, variables: Record<string, unknown>, token: string) => {
    const response = await fetch(`${router.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as {
      data?: Record<string, unknown> | null;
      errors?: GraphQLFormattedError[];
    };
  };
  const ok = async (query: string, variables: Record<string, unknown>, token: string) => {
    const result = await gql(query, variables, token);
    if (result.errors?.length || !result.data) throw new Error(JSON.stringify(result.errors));
    return result.data as Record<string, Record<string, unknown>>;
  };

  beforeAll(async () => {
    databaseUrl = await createTestDatabase(pgUrl!);
    const { file } = tempConfig(RELAXED_LIMITS);
    const routerPort = await freePort();
    const shared = {
      ...SECRETS,
      GOCHAT_CONFIG: file,
      DATABASE_URL: databaseUrl,
      PUBLIC_URL: `http://127.0.0.1:${routerPort}`,
      METRICS_PORT: '0',
    };
    const { accounts, routers } = await startRoleProcesses(shared, [routerPort], processes);
    router = routers[0]!;

    const mailbox = logMailbox(accounts);
    [alice, ghost] = await Promise.all([
      createVerifiedUser(router.url, mailbox, { handle: aliceHandle }),
      createVerifiedUser(router.url, mailbox),
    ]);
    const { createGuild } = await ok(
      'mutation { createGuild(input: { name: "Alive" }) { id systemChannel { id } } }',
      {},
      alice.jwt,
    );
    guildId = createGuild!.id as string;
    channelId = (createGuild!.systemChannel as { id: string }).id;
    inviteCode = (
      await ok(
        'mutation($g: ID!) { createInvite(guildId: $g, input: {}) { code } }',
        { g: guildId },
        alice.jwt,
      )
    ).createInvite!.code as string;
    // The ghost shares a DM with Alice before going, but never writes: its rows cascade away.
    directChannelId = (
      await ok('mutation($u: ID!) { openDirectMessage(userId: $u) { id } }', { u: alice.id }, ghost.jwt)
    ).openDirectMessage!.id as string;

    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      expect((await client.query('delete from "user" where id = $1', [ghost.id])).rowCount).toBe(1);
    } finally {
      await client.end();
    }
  });

  afterAll(async () => {
    for (const proc of processes) expect(await proc.stop('SIGTERM'), proc.role).toBe(0);
    if (databaseUrl) await dropTestDatabase(pgUrl!, databaseUrl);
    // With every line read (the output streams ended), no role logged an error: nothing failed inside.
    for (const proc of processes) {
      const { stdout, stderr } = proc.child;
      await Promise.all(
        [stdout, stderr].map((s) => (s && !s.readableEnded ? once(s, 'end') : Promise.resolve())),
      );
      expect(
        logRecords(proc).filter((r) => (r.level as number) >= 50),
        proc.role,
      ).toEqual([]);
    }
  });

  it('answers UNAUTHENTICATED on queries and mutations of every subgraph, logging no error', async () => {
    const operations: Array<[string, string, Record<string, unknown>]> = [
      ['me (accounts)', '{ me { id } }', {}],
      ['updateProfile (accounts)', 'mutation { updateProfile(input: { displayName: "Ghost" }) { id } }', {}],
      [
        'sendFriendRequest (accounts)',
        'mutation($h: String!) { sendFriendRequest(handle: $h) { user { id } } }',
        { h: aliceHandle },
      ],
      [
        'blockUser (accounts)',
        'mutation($u: ID!) { blockUser(userId: $u) { user { id } } }',
        { u: alice.id },
      ],
      ['createGuild (guilds)', 'mutation { createGuild(input: { name: "Haunted" }) { id } }', {}],
      ['guild (guilds)', 'query($g: ID!) { guild(id: $g) { id } }', { g: guildId }],
      ['acceptInvite (guilds)', 'mutation($c: String!) { acceptInvite(code: $c) { id } }', { c: inviteCode }],
      [
        'openDirectMessage (guilds)',
        'mutation($u: ID!) { openDirectMessage(userId: $u) { id } }',
        { u: alice.id },
      ],
      [
        'createGroupDm (guilds)',
        'mutation($u: [ID!]!) { createGroupDm(userIds: $u) { id } }',
        { u: [alice.id] },
      ],
      [
        'sendMessage (messages)',
        'mutation($c: ID!) { sendMessage(channelId: $c, content: "boo") { id } }',
        { c: channelId },
      ],
      [
        'sendMessage in the DM (messages)',
        'mutation($c: ID!) { sendMessage(channelId: $c, content: "boo") { id } }',
        { c: directChannelId },
      ],
      ['messages (messages)', 'query($c: ID!) { messages(channelId: $c) { id } }', { c: directChannelId }],
      ['startTyping (messages)', 'mutation($c: ID!) { startTyping(channelId: $c) }', { c: directChannelId }],
    ];
    for (const [what, query, variables] of operations) {
      const result = await gql(query, variables, ghost.jwt);
      expect(
        result.errors?.map((e) => e.extensions?.code),
        what,
      ).toEqual(['UNAUTHENTICATED']);
      expect(result.errors?.[0]?.message, what).toBe('This account no longer exists.');
    }
    // Alice is untouched: her guild has no new member and her DM no message.
    const { guild } = await ok('query($g: ID!) { guild(id: $g) { memberCount } }', { g: guildId }, alice.jwt);
    expect(guild!.memberCount).toBe(1);
    const { messages } = await ok(
      'query($c: ID!) { messages(channelId: $c) { id } }',
      { c: directChannelId },
      alice.jwt,
    );
    expect(messages).toEqual([]);
  });

  it('serves every role’s /metrics on its metrics port, not on its public port', async () => {
    for (const proc of processes) {
      const line = await proc.waitForLine(/"msg":"[^"]*metrics: listening"/);
      const metricsUrl = (JSON.parse(line) as { url: string }).url;
      expect(metricsUrl, proc.role).not.toBe(proc.url);
      const metrics = await fetch(`${metricsUrl}/metrics`);
      expect(metrics.status, proc.role).toBe(200);
      expect(await metrics.text(), proc.role).toContain('gochat_process_cpu_seconds_total');
      // The public port answers /metrics as any path the role does not have (404, or 401 at a subgraph).
      const onPublic = await fetch(`${proc.url}/metrics`);
      expect(onPublic.status, proc.role).toBeGreaterThanOrEqual(400);
      expect(await onPublic.text(), proc.role).not.toContain('gochat_process_cpu_seconds_total');
    }
  });
});
