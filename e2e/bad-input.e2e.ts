import {
  AcceptInviteDocument,
  AuthzAckMessageDocument,
  AuthzAddReactionDocument,
  AuthzBulkDeleteMessagesDocument,
  AuthzCreateThreadDocument,
  AuthzDeleteMessageDocument,
  AuthzEditMessageDocument,
  AuthzPinMessageDocument,
  AuthzRealtimeAccessDocument,
  AuthzStartTypingDocument,
  AuditLogDocument,
  AuthzGuildRolesDocument,
  AuthzReorderChannelsDocument,
  BanMemberDocument,
  ChannelMessagesDocument,
  CreateChannelWithDocument,
  CreateInviteDocument,
  CreateRoleDocument,
  GuildChannelsDocument,
  SetChannelOverwriteDocument,
  CreateGuildDocument,
  MeDocument,
  MessageCreatedDocument,
  MsgChannelThreadsDocument,
  MsgHistoryBareDocument,
  MsgSendBareDocument,
  MsgUnreadsDocument,
  RefreshJwtDocument,
  SendMessageDocument,
  SignInDocument,
  createVerifiedUser,
  freePort,
  gql,
  gqlOk,
  logMailbox,
  startGochat,
  wsConnect,
  type GochatProcess,
  type TestUser,
} from '@gochat/testkit';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import http from 'node:http';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { SECRETS, tempConfig } from './support.ts';

const JWT_TTL_SECONDS = 4;

/**
 * Bad input of every kind gets a clear, typed error; the process keeps serving, and nothing
 * internal leaks. Runs its own monolith with short JWTs and a tight sign-in limit.
 */
describe('bad input, end to end (embedded)', () => {
  let gochat: GochatProcess;
  let url: string;
  let user: TestUser;
  let channelId: string;
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  const jwt = async () =>
    (await gqlOk(url, RefreshJwtDocument, { sessionToken: user.sessionToken })).refreshJwt.jwt;

  beforeAll(async () => {
    const { dir, file } = tempConfig(`
accounts:
  rateLimit:
    strict: { points: 8, windowSeconds: 60 }
router:
  limits: { maxDepth: 6, maxAliases: 5, maxTokens: 400, maxBodyBytes: 65536, maxWsPayloadBytes: 16384 }
`);
    gochat = await startGochat({
      env: {
        DATA_DIR: dir,
        PORT: String(await freePort()),
        GOCHAT_CONFIG: file,
        JWT_TTL: `${JWT_TTL_SECONDS}s`,
        ...SECRETS,
      },
    });
    url = gochat.url;
    user = await createVerifiedUser(url, logMailbox(gochat));
    const { createGuild } = await gqlOk(url, CreateGuildDocument, { name: 'Limits' }, await jwt());
    channelId = createGuild.systemChannel!.id;
  });

  afterAll(async () => {
    // Whatever was thrown at it, the process still drains cleanly.
    expect(await gochat.stop()).toBe(0);
  });

  it('answers malformed JSON with BAD_REQUEST (400 for graphql-response+json clients), not a crash', async () => {
    const modern = await post('{"query": "{ me { id } "', { accept: 'application/graphql-response+json' });
    expect(modern.status).toBe(400);
    const body = (await modern.json()) as {
      errors: Array<{ message: string; extensions: { code: string } }>;
    };
    expect(body.errors[0]!.message).toMatch(/JSON/);
    expect(body.errors[0]!.extensions.code).toBe('BAD_REQUEST');
    // Legacy application/json clients get the same error; the GraphQL-over-HTTP spec lets that be a 200.
    const legacy = (await (await post('{"query": ')).json()) as {
      errors: Array<{ extensions: { code: string } }>;
    };
    expect(legacy.errors[0]!.extensions.code).toBe('BAD_REQUEST');
  });

  it('answers malformed GraphQL with GRAPHQL_PARSE_FAILED', async () => {
    const body = (await (await post(JSON.stringify({ query: '{ me { id ' }))).json()) as {
      errors: Array<{ extensions: { code: string } }>;
    };
    expect(body.errors[0]!.extensions.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('answers wrong variable types and unknown fields with validation errors, without schema hints', async () => {
    const wrongType = await post(
      JSON.stringify({
        query: 'query($l: Int) { messages(channelId: "1", limit: $l) { id } }',
        variables: { l: 'ten' },
      }),
      { authorization: `Bearer ${await jwt()}` },
    );
    const wrongBody = (await wrongType.json()) as {
      errors: Array<{ message: string; extensions: { code: string } }>;
    };
    expect(wrongBody.errors[0]!.message).toMatch(/Int cannot represent/);
    expect(wrongBody.errors[0]!.extensions.code).toBe('BAD_USER_INPUT');

    const unknown = (await (await post(JSON.stringify({ query: '{ mee { id } }' }))).json()) as {
      errors: Array<{ message: string; extensions: { code: string } }>;
    };
    expect(unknown.errors[0]!.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(unknown.errors[0]!.message).not.toMatch(/Did you mean/);
  });

  it('refuses bodies over the limit with 413, declared or streamed', async () => {
    const big = JSON.stringify({ query: `{ me { id } }`, padding: 'x'.repeat(70_000) });
    const declared = await post(big);
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ errors: [{ extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });

    // No content-length: a chunked body is counted as it streams.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(10_000)));
        controller.close();
      },
    });
    const chunked = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);

    // Far beyond the limit: answered from the headers alone, without reading the body.
    const { hostname, port } = new URL(url);
    const huge = await new Promise<number>((resolve, reject) => {
      const request = http.request({
        host: hostname,
        port,
        path: '/graphql',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': 50_000_000 },
      });
      request.once('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      request.once('error', reject);
      request.flushHeaders();
    });
    expect(huge).toBe(413);
  });

  it('refuses operations past the depth, alias and token limits', async () => {
    const deep =
      '{ guild(id: "1") { channels { guild { channels { guild { channels { guild { id } } } } } } } }';
    const depth = (await (await post(JSON.stringify({ query: deep }))).json()) as {
      errors: Array<{ message: string; extensions: { code: string } }>;
    };
    expect(depth.errors[0]!.message).toMatch(/depth limit of 6/i);
    expect(depth.errors[0]!.extensions.code).toBe('BAD_USER_INPUT');

    const aliases = `{ ${Array.from({ length: 8 }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
    const alias = (await (await post(JSON.stringify({ query: aliases }))).json()) as {
      errors: Array<{ message: string }>;
    };
    expect(alias.errors[0]!.message).toMatch(/alias/i);

    const tokens = `{ me { ${Array.from({ length: 450 }, () => 'id').join(' ')} } }`;
    const token = (await (await post(JSON.stringify({ query: tokens }))).json()) as {
      errors: Array<{ message: string }>;
    };
    expect(token.errors[0]!.message).toMatch(/token/i);
  });

  it('refuses subscriptions over HTTP with a pointer to graphql-ws', async () => {
    const body = (await (
      await post(
        JSON.stringify({ query: `subscription { messageCreated(channelId: "${channelId}") { id } }` }),
        {
          authorization: `Bearer ${await jwt()}`,
        },
      )
    ).json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    expect(body.errors[0]!.extensions.code).toBe('SUBSCRIPTION_UNSUPPORTED');
  });

  it('refuses a tampered or malformed bearer token with 401 UNAUTHENTICATED', async () => {
    const token = await jwt();
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, sub: '1' })).toString('base64url');
    for (const bad of [`${header}.${forgedPayload}.${signature}`, `${token.slice(0, -3)}abc`, 'not-a-jwt']) {
      const result = await gql(url, MeDocument, {}, bad);
      expect(result.status).toBe(401);
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('rejects domain input with VALIDATION: content too long, empty, malformed ids', async () => {
    const token = await jwt();
    const long = await gql(url, SendMessageDocument, { channelId, content: 'x'.repeat(2001) }, token);
    expect(long.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'content' });
    const empty = await gql(url, SendMessageDocument, { channelId, content: '   ' }, token);
    expect(empty.errors?.[0]?.extensions?.code).toBe('VALIDATION');
    const badId = await gql(url, ChannelMessagesDocument, { channelId: 'abc' }, token);
    expect(badId.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'channelId' });
    const tooMany = await gql(url, ChannelMessagesDocument, { channelId, limit: 1000 }, token);
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'limit' });
    // Nothing partial was written: the channel holds no message.
    expect((await gqlOk(url, ChannelMessagesDocument, { channelId }, token)).messages).toEqual([]);
  });

  it('rejects bad guild input with typed errors and writes nothing', async () => {
    const token = await jwt();
    const { createGuild: guild } = await gqlOk(url, CreateGuildDocument, { name: 'Strict' }, token);
    const general = guild.systemChannel!.id;
    const codeOf = (r: { errors?: readonly { extensions?: Record<string, unknown> }[] }) =>
      r.errors?.[0]?.extensions?.code;
    const role = (permissions: string) =>
      gql(url, CreateRoleDocument, { guildId: guild.id, input: { name: 'r', permissions } }, token);
    const channel = (input: Record<string, unknown>) =>
      gql(url, CreateChannelWithDocument, { guildId: guild.id, input: { name: 'c', ...input } }, token);
    const invite = (input: Record<string, unknown>) =>
      gql(url, CreateInviteDocument, { guildId: guild.id, input }, token);
    const refused: Array<
      [string, Promise<{ errors?: readonly { extensions?: Record<string, unknown> }[] }>, string]
    > = [
      ['bitfield beyond 64 bits', role('99999999999999999999999'), 'VALIDATION'],
      ['negative bitfield', role('-1'), 'VALIDATION'],
      ['unknown permission bit', role(String(1n << 62n)), 'VALIDATION'],
      ['channel name of 101 characters', channel({ name: 'x'.repeat(101) }), 'VALIDATION'],
      ['DM kind in a guild', channel({ kind: 'DM' }), 'VALIDATION'],
      ['slowmode past 6 hours', channel({ slowmodeSeconds: 21_601 }), 'VALIDATION'],
      ['topic on a voice channel', channel({ kind: 'VOICE', topic: 'hi' }), 'VALIDATION'],
      ['invite lifetime under 60 s', invite({ maxAgeSeconds: 30 }), 'VALIDATION'],
      ['invite of 101 uses', invite({ maxUses: 101 }), 'VALIDATION'],
      [
        'a 5000-character invite code',
        gql(url, AcceptInviteDocument, { code: 'x'.repeat(5000) }, token),
        'NOT_FOUND',
      ],
      [
        'ADMINISTRATOR in an overwrite',
        gql(
          url,
          SetChannelOverwriteDocument,
          { channelId: general, input: { targetType: 'ROLE', targetId: guild.id, allow: '8', deny: '0' } },
          token,
        ),
        'VALIDATION',
      ],
      [
        '501 channels to reorder',
        gql(
          url,
          AuthzReorderChannelsDocument,
          { guildId: guild.id, positions: Array.from({ length: 501 }, () => ({ id: general, position: 1 })) },
          token,
        ),
        'VALIDATION',
      ],
      [
        'the owner banning themselves',
        gql(url, BanMemberDocument, { guildId: guild.id, userId: user.id }, token),
        'FORBIDDEN',
      ],
    ];
    const outcomes = await Promise.all(
      refused.map(async ([what, result, expected]) => ({ what, actual: codeOf(await result), expected })),
    );
    for (const { what, actual, expected } of outcomes) expect(actual, what).toBe(expected);
    // Nothing partial was written: the guild still has only what creation made.
    const { guild: after } = await gqlOk(url, AuthzGuildRolesDocument, { id: guild.id }, token);
    expect(after.roles.map((r) => r.name)).toEqual(['@everyone']);
    const { guild: channels } = await gqlOk(url, GuildChannelsDocument, { id: guild.id }, token);
    expect(channels.channels.map((c) => c.name)).toEqual(['Text Channels', 'general']);
    const { auditLog } = await gqlOk(url, AuditLogDocument, { guildId: guild.id }, token);
    expect(auditLog.nodes).toEqual([]);
  });

  it('rejects bad message input with typed errors and writes nothing', async () => {
    const setupToken = await jwt();
    const as = <T, V>(document: TypedDocumentNode<T, V>, variables: V, token = setupToken) =>
      gqlOk(url, document, variables, token);
    const { createGuild: guild } = await as(CreateGuildDocument, { name: 'Talk' });
    const general = guild.systemChannel!.id;
    const channel = async (name: string, kind?: 'TEXT' | 'VOICE' | 'CATEGORY') =>
      (await as(CreateChannelWithDocument, { guildId: guild.id, input: { name, kind } })).createChannel.id;
    const [other, voice, category] = await Promise.all([
      channel('other'),
      channel('lounge', 'VOICE'),
      channel('Topics', 'CATEGORY'),
    ]);
    const seed = (await as(MsgSendBareDocument, { channelId: general, content: 'keep me' })).sendMessage.id;
    const foreign = (await as(MsgSendBareDocument, { channelId: other, content: 'elsewhere' })).sendMessage
      .id;
    const unknown = String(1n << 22n); // a well-formed id from the snowflake epoch: nothing has it
    const readStates = async (token: string) =>
      (await as(MsgUnreadsDocument, {}, token)).unreads.guilds.find((g) => g.guildId === guild.id)?.channels;
    const before = await readStates(setupToken);

    const token = await jwt();
    const codeOf = (r: { errors?: readonly { extensions?: Record<string, unknown> }[] }) =>
      r.errors?.[0]?.extensions?.code;
    const send = (variables: { channelId: string; content?: string; replyToId?: string }) =>
      gql(url, MsgSendBareDocument, variables, token);
    const react = (messageId: string, emoji: { unicode?: string; emojiId?: string }, channelId = general) =>
      gql(url, AuthzAddReactionDocument, { channelId, messageId, emoji }, token);
    const inGeneral = (messageId: string) => ({ channelId: general, messageId });
    const history = (variables: { limit?: number; before?: string; after?: string; around?: string }) =>
      gql(url, MsgHistoryBareDocument, { channelId: general, ...variables }, token);
    const typing = (id: string) => gql(url, AuthzStartTypingDocument, { channelId: id }, token);
    const ids = (count: number) =>
      Array.from({ length: count }, (_, i) => String(BigInt(unknown) + BigInt(i)));
    const refused: Array<
      [string, Promise<{ errors?: readonly { extensions?: Record<string, unknown> }[] }>, string]
    > = [
      ['content of 2001 characters', send({ channelId: general, content: 'x'.repeat(2001) }), 'VALIDATION'],
      ['empty content', send({ channelId: general, content: '' }), 'VALIDATION'],
      [
        'an edit to 2001 characters',
        gql(url, AuthzEditMessageDocument, { ...inGeneral(seed), content: 'x'.repeat(2001) }, token),
        'VALIDATION',
      ],
      [
        'an edit to nothing',
        gql(url, AuthzEditMessageDocument, { ...inGeneral(seed), content: ' ' }, token),
        'VALIDATION',
      ],
      [
        'a reply to an unknown message',
        send({ channelId: general, content: 'hm', replyToId: unknown }),
        'NOT_FOUND',
      ],
      [
        'a reply to a message of another channel',
        send({ channelId: general, content: 'hm', replyToId: foreign }),
        'NOT_FOUND',
      ],
      [
        'an edit of an unknown message',
        gql(url, AuthzEditMessageDocument, { ...inGeneral(unknown), content: 'new' }, token),
        'NOT_FOUND',
      ],
      [
        'an edit of a message of another channel',
        gql(url, AuthzEditMessageDocument, { ...inGeneral(foreign), content: 'new' }, token),
        'NOT_FOUND',
      ],
      [
        'deleting a message of another channel',
        gql(url, AuthzDeleteMessageDocument, inGeneral(foreign), token),
        'NOT_FOUND',
      ],
      [
        'pinning an unknown message',
        gql(url, AuthzPinMessageDocument, inGeneral(unknown), token),
        'NOT_FOUND',
      ],
      [
        'pinning a message of another channel',
        gql(url, AuthzPinMessageDocument, inGeneral(foreign), token),
        'NOT_FOUND',
      ],
      ['reacting to a message of another channel', react(foreign, { unicode: '👍' }), 'NOT_FOUND'],
      [
        'a thread from a message of another channel',
        gql(url, AuthzCreateThreadDocument, { ...inGeneral(foreign), name: 'side' }, token),
        'NOT_FOUND',
      ],
      ['an unknown custom emoji', react(seed, { emojiId: unknown }), 'NOT_FOUND'],
      ['a reaction that is no emoji', react(seed, { unicode: 'abc' }), 'VALIDATION'],
      ['a reaction naming two emoji', react(seed, { unicode: '👍', emojiId: unknown }), 'VALIDATION'],
      ['a reaction naming no emoji', react(seed, {}), 'VALIDATION'],
      ['sending to a voice channel', send({ channelId: voice, content: 'hello?' }), 'VALIDATION'],
      ['sending to a category', send({ channelId: category, content: 'hello?' }), 'VALIDATION'],
      [
        'acking a message of another channel',
        gql(url, AuthzAckMessageDocument, inGeneral(foreign), token),
        'NOT_FOUND',
      ],
      [
        'bulk deleting 1 message',
        gql(url, AuthzBulkDeleteMessagesDocument, { channelId: general, messageIds: [seed] }, token),
        'VALIDATION',
      ],
      [
        'bulk deleting 101 messages',
        gql(
          url,
          AuthzBulkDeleteMessagesDocument,
          { channelId: general, messageIds: [seed, ...ids(100)] },
          token,
        ),
        'VALIDATION',
      ],
      ['history with two cursors', history({ before: seed, after: unknown }), 'VALIDATION'],
      ['history of 0 messages', history({ limit: 0 }), 'VALIDATION'],
      ['history of 101 messages', history({ limit: 101 }), 'VALIDATION'],
      ['typing in a voice channel', typing(voice), 'VALIDATION'],
      ['typing in a category', typing(category), 'VALIDATION'],
      ['typing in a malformed channel id', typing('general'), 'VALIDATION'],
      ['typing in an unknown channel', typing(unknown), 'NOT_FOUND'],
      [
        'real-time access of a malformed guild id',
        gql(url, AuthzRealtimeAccessDocument, { guildId: 'nope' }, token),
        'VALIDATION',
      ],
    ];
    const outcomes = await Promise.all(
      refused.map(async ([what, result, expected]) => ({ what, actual: codeOf(await result), expected })),
    );
    for (const { what, actual, expected } of outcomes) expect(actual, what).toBe(expected);

    // Nothing partial was written: both channels hold their one untouched message, nothing is pinned,
    // no thread was started and no read position moved.
    const check = await jwt();
    const page = async (channelId: string) =>
      (await as(MsgHistoryBareDocument, { channelId }, check)).messages;
    expect(await page(general)).toEqual([{ id: seed, content: 'keep me', pinned: false, reactions: [] }]);
    expect(await page(other)).toEqual([{ id: foreign, content: 'elsewhere', pinned: false, reactions: [] }]);
    expect((await as(MsgChannelThreadsDocument, { channelId: general }, check)).channel.threads).toEqual([]);
    expect(await readStates(check)).toEqual(before);
  });

  it('closes a WebSocket without a valid token with 4401, and one sending an oversized frame', async () => {
    const anonymous = wsConnect(url);
    expect((await anonymous.waitForClose()).code).toBe(4401);
    const forged = wsConnect(url, 'a.b.c');
    expect((await forged.waitForClose()).code).toBe(4401);

    const raw = new WebSocket(`${url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    await new Promise((resolve) => raw.once('open', resolve));
    const closed = new Promise<number>((resolve) => raw.once('close', (code) => resolve(code)));
    raw.send('x'.repeat(20_000));
    expect(await closed).toBe(1009);
  });

  it('refuses an expired JWT over HTTP and WebSocket', async () => {
    const token = await jwt();
    await new Promise((r) => setTimeout(r, (JWT_TTL_SECONDS + 1.5) * 1000));
    const result = await gql(url, MeDocument, {}, token);
    expect(result.status).toBe(401);
    expect(result.errors?.[0]).toMatchObject({ message: expect.stringMatching(/expired/) as string });
    const ws = wsConnect(url, token);
    const close = await ws.waitForClose();
    expect(close).toMatchObject({ code: 4401, reason: expect.stringMatching(/expired/) as string });
    // A fresh token from the session works again.
    expect((await gqlOk(url, MeDocument, {}, await jwt())).me.id).toBe(user.id);
  });

  it('rate-limits sign-in attempts per client with RATE_LIMITED and a retry hint', async () => {
    const attempts: Array<string | undefined> = [];
    for (let i = 0; i < 12; i++) {
      const result = await gql(url, SignInDocument, {
        input: { email: user.email, password: 'wrong password' },
      });
      attempts.push(result.errors?.[0]?.extensions?.code as string | undefined);
    }
    expect(attempts.slice(0, 3)).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED']);
    expect(attempts.at(-1)).toBe('RATE_LIMITED');
    // REST sign-in shares the budget.
    const rest = await fetch(`${url}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: user.email, password: user.password }),
    });
    expect(rest.status).toBe(429);
    expect(Number(rest.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('still serves normally after all of the above', async () => {
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const ws = wsConnect(url, await jwt());
    const live = ws.subscribe(MessageCreatedDocument, { channelId });
    const first = await live.firstError(1_000).catch(() => undefined);
    expect(first).toBeUndefined();
    await ws.dispose();
    expect((await gqlOk(url, MeDocument, {}, await jwt())).me.id).toBe(user.id);
  });
});
