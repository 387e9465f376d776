import {
  RefreshJwtDocument,
  createVerifiedUser,
  freePort,
  gqlOk,
  logMailbox,
  logRecords,
  startGochat,
  wsConnect,
  type GochatProcess,
  type TestUser,
  type WsConnection,
} from '@gochat/testkit';
import type { GraphQLFormattedError } from 'graphql';
import { auditServer } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { RELAXED_LIMITS, SECRETS, tempConfig } from './support.ts';

interface Result {
  data?: unknown;
  errors?: GraphQLFormattedError[];
}

const JSON_ACCEPT = 'application/json';
const GRAPHQL_RESPONSE = 'application/graphql-response+json';

/** `{ a0: <selection> a1: ... }` with `count` aliases. */
const aliases = (count: number, selection: string) =>
  `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${selection}`).join(' ')} }`;

/** A selection `levels` fields deep: guild(id: "1") { channels { guild { ... { id } } } }. */
const deep = (levels: number) => {
  const fields = Array.from({ length: levels - 1 }, (_, i) =>
    i === 0 ? 'guild(id: "1")' : i % 2 ? 'channels' : 'guild',
  );
  return `{ ${fields.join(' { ')} { id }${' }'.repeat(levels - 2)} }`;
};

/**
 * The router's contract with a GraphQL client, over HTTP (GraphQL over HTTP, checked by graphql-http's
 * own audits) and graphql-ws: request errors are 4xx, malformed requests BAD_REQUEST, query limits a
 * typed error of the one operation, text that cannot be stored VALIDATION, and none of it fills the
 * error log. Runs a monolith with the default limits (the README's numbers) in development mode.
 */
describe('the HTTP and WebSocket contract, end to end (embedded)', () => {
  let gochat: GochatProcess;
  let url: string;
  let publicOrigin: string;
  let user: TestUser;

  const post = async (body: unknown, accept = GRAPHQL_RESPONSE, token?: string) => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Result };
  };
  const jwt = async () =>
    (await gqlOk(url, RefreshJwtDocument, { sessionToken: user.sessionToken })).refreshJwt.jwt;

  /**
   * Records logged above info since `from` (an index into the log). A new user's verification mail,
   * logged after everything sent before, marks the point up to which the log has been read.
   */
  const loggedAboveInfo = async (from: number) => {
    await createVerifiedUser(url, logMailbox(gochat));
    return logRecords({ lines: gochat.lines.slice(from) }).filter((r) => (r.level as number) > 30);
  };

  /** One operation over the socket: its results, or its error, or the socket's close. */
  const once = (ws: WsConnection, payload: Record<string, unknown>) =>
    new Promise<{ results: Result[]; errors?: readonly GraphQLFormattedError[]; closed?: number }>(
      (resolve) => {
        const results: Result[] = [];
        ws.client.subscribe(payload as never, {
          next: (value) => void results.push(value as Result),
          error: (error) =>
            resolve(
              Array.isArray(error)
                ? { results, errors: error as GraphQLFormattedError[] }
                : { results, closed: (error as { code?: number }).code ?? -1 },
            ),
          complete: () => resolve({ results }),
        });
      },
    );

  beforeAll(async () => {
    const { dir, file } = tempConfig(RELAXED_LIMITS);
    const port = await freePort();
    publicOrigin = `http://localhost:${port}`;
    gochat = await startGochat({
      env: { DATA_DIR: dir, PORT: String(port), GOCHAT_CONFIG: file, PUBLIC_URL: publicOrigin, ...SECRETS },
    });
    url = gochat.url;
    user = await createVerifiedUser(url, logMailbox(gochat));
  });

  afterAll(async () => {
    expect(await gochat?.stop()).toBe(0);
  });

  it('passes every audit of graphql-http (GraphQL over HTTP): no MUST, SHOULD or MAY fails', async () => {
    const results = await auditServer({ url: `${url}/graphql` });
    expect(results.length).toBeGreaterThan(50);
    const failed = results.filter((r) => r.status !== 'ok').map((r) => `${r.id} ${r.name}`);
    expect(failed).toEqual([]);
  });

  it('answers requests that fail before execution with 400 and no data (200 for application/json)', async () => {
    const requests: Array<[string, Record<string, unknown>, string]> = [
      ['a missing variable', { query: 'query($id: ID!) { guild(id: $id) { id } }' }, 'BAD_USER_INPUT'],
      [
        'a null for ID!',
        { query: 'query($id: ID!) { guild(id: $id) { id } }', variables: { id: null } },
        'BAD_USER_INPUT',
      ],
      [
        'a variable of the wrong type',
        { query: 'query($l: Int) { messages(channelId: "1", limit: $l) { id } }', variables: { l: 'ten' } },
        'BAD_USER_INPUT',
      ],
      ['31 aliases', { query: aliases(31, 'me { id }') }, 'BAD_USER_INPUT'],
      ['a depth of 13', { query: deep(13) }, 'BAD_USER_INPUT'],
      [
        'a subscription',
        { query: 'subscription { messageCreated(channelId: "1") { id } }' },
        'SUBSCRIPTION_UNSUPPORTED',
      ],
      ['a NUL in a string', { query: '{ user(id: "1\\u0000") { id } }' }, 'VALIDATION'],
    ];
    const token = await jwt();
    for (const [what, body, code] of requests) {
      const modern = await post(body, GRAPHQL_RESPONSE, token);
      expect(modern.status, what).toBe(400);
      expect(modern.body, what).not.toHaveProperty('data');
      expect(modern.body.errors?.[0]?.extensions?.code, what).toBe(code);
      const legacy = await post(body, JSON_ACCEPT, token);
      expect(legacy.status, what).toBe(200);
      expect(legacy.body.errors?.[0]?.extensions?.code, what).toBe(code);
    }
    // Within the limits, the same shapes execute.
    expect((await post({ query: deep(12) }, GRAPHQL_RESPONSE, token)).status).toBe(200);
  });

  it('counts every alias against the documented 30, __typename included, without calling it a syntax error', async () => {
    const thirty = await post({ query: aliases(30, '__typename') });
    expect(thirty.status).toBe(200);
    expect(Object.keys(thirty.body.data as object)).toHaveLength(30);
    for (const selection of ['__typename', 'me { id }']) {
      const refused = await post({ query: aliases(31, selection) });
      expect(refused.status, selection).toBe(400);
      expect(refused.body.errors, selection).toEqual([
        { message: 'Aliases limit of 30 exceeded, found 31.', extensions: { code: 'BAD_USER_INPUT' } },
      ]);
    }
    const depth = await post({ query: deep(13) });
    expect(depth.body.errors?.[0]?.message).toBe('Query depth limit of 12 exceeded, found 13.');
    const tokens = await post({ query: `{ me { ${Array.from({ length: 3_000 }, () => 'id').join(' ')} } }` });
    expect(tokens.status).toBe(400);
    expect(tokens.body.errors).toEqual([
      { message: 'Token limit of 3000 exceeded.', extensions: { code: 'BAD_USER_INPUT' } },
    ]);
  });

  it('refuses malformed requests with BAD_REQUEST and 400, whatever the client accepts, logging nothing above info', async () => {
    const from = gochat.lines.length;
    const malformed: Array<[string, unknown]> = [
      ['operationName a number', { query: '{ __typename }', operationName: 5 }],
      ['operationName an object', { query: '{ __typename }', operationName: { name: 'x' } }],
      ['operationName an array', { query: '{ __typename }', operationName: ['x'] }],
      ['operationName a boolean', { query: '{ __typename }', operationName: true }],
      ['operationName naming no operation', { query: 'query A { __typename }', operationName: 'B' }],
      ['variables a string', { query: '{ __typename }', variables: '{}' }],
      ['variables an array', { query: '{ __typename }', variables: [1] }],
      ['extensions a string', { query: '{ __typename }', extensions: 'x' }],
      ['query a number', { query: 5 }],
      ['no query', { variables: {} }],
      ['a batch', [{ query: '{ __typename }' }, { query: '{ __typename }' }]],
      ['no JSON', '{ "query": '],
    ];
    for (const [what, body] of malformed)
      for (const accept of [GRAPHQL_RESPONSE, JSON_ACCEPT]) {
        const { status, body: result } = await post(body, accept);
        expect(status, `${what} (${accept})`).toBe(400);
        expect(result.errors?.[0]?.extensions?.code, `${what} (${accept})`).toBe('BAD_REQUEST');
      }
    expect(await loggedAboveInfo(from)).toEqual([]);
  });

  it('refuses an operation over a query limit on its own: the socket stays open and serves the next one', async () => {
    const ws = wsConnect(url, await jwt());
    try {
      const cases: Array<[string, string, string]> = [
        ['aliases', aliases(31, '__typename'), 'Aliases limit of 30 exceeded, found 31.'],
        ['depth', deep(13), 'Query depth limit of 12 exceeded, found 13.'],
        [
          'tokens',
          `{ me { ${Array.from({ length: 3_000 }, () => 'id').join(' ')} } }`,
          'Token limit of 3000 exceeded.',
        ],
        [
          'directives',
          `{ ${Array.from({ length: 31 }, () => '__typename @include(if: true)').join(' ')} }`,
          'Directives limit of 30 exceeded, found 31.',
        ],
      ];
      for (const [what, query, message] of cases) {
        const outcome = await once(ws, { query });
        expect(outcome.closed, what).toBeUndefined();
        expect(outcome.errors, what).toEqual([{ message, extensions: { code: 'BAD_USER_INPUT' } }]);
      }
      const me = await once(ws, { query: '{ me { id } }' });
      expect(me.results).toEqual([{ data: { me: { id: user.id } } }]);
      expect(ws.closes).toEqual([]);
    } finally {
      await ws.dispose();
    }
  });

  it('refuses malformed operations over WebSocket one by one, and a malformed message with 4400', async () => {
    const from = gochat.lines.length;
    const token = await jwt();
    const ws = wsConnect(url, token);
    try {
      const cases: Array<[string, Record<string, unknown>, string]> = [
        ['an unknown operation name', { query: 'query A { me { id } }', operationName: 'B' }, 'BAD_REQUEST'],
        [
          'two operations, none named',
          { query: 'query A { me { id } } query B { me { id } }' },
          'BAD_REQUEST',
        ],
        ['a syntax error', { query: '{ me { id ' }, 'GRAPHQL_PARSE_FAILED'],
        ['an unknown field', { query: '{ mee { id } }' }, 'GRAPHQL_VALIDATION_FAILED'],
        [
          'a null for ID!',
          { query: 'query($id: ID!) { guild(id: $id) { id } }', variables: { id: null } },
          'BAD_USER_INPUT',
        ],
        [
          'an object for a feed ID',
          {
            query: 'subscription($c: ID!) { messageCreated(channelId: $c) { id } }',
            variables: { c: { x: 1 } },
          },
          'BAD_USER_INPUT',
        ],
        [
          'an unknown presence status',
          {
            query: 'mutation($s: PresenceStatus!) { updatePresence(status: $s) { status } }',
            variables: { s: 'NOPE' },
          },
          'BAD_USER_INPUT',
        ],
      ];
      for (const [what, payload, code] of cases) {
        const outcome = await once(ws, payload);
        expect(outcome.closed, what).toBeUndefined();
        expect(outcome.errors?.[0]?.extensions?.code, what).toBe(code);
        expect(outcome.errors?.[0]?.extensions, what).not.toHaveProperty('http');
      }
      expect((await once(ws, { query: '{ me { id } }' })).results).toHaveLength(1);
      expect(ws.closes).toEqual([]);
    } finally {
      await ws.dispose();
    }

    // graphql-transport-ws itself: a subscribe message of the wrong shape is a protocol error, 4400.
    for (const payload of [
      { query: '{ __typename }', operationName: 5 },
      { query: '{ __typename }', variables: 'x' },
      { query: 5 },
    ]) {
      const raw = new WebSocket(`${url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
      const closed = new Promise<number>((resolve) => raw.once('close', (code) => resolve(code)));
      raw.once('open', () =>
        raw.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })),
      );
      raw.on('message', (data: Buffer) => {
        if ((JSON.parse(data.toString()) as { type: string }).type === 'connection_ack')
          raw.send(JSON.stringify({ id: '1', type: 'subscribe', payload }));
      });
      expect(await closed, JSON.stringify(payload)).toBe(4400);
    }
    expect(await loggedAboveInfo(from)).toEqual([]);
  });

  it('refuses NUL and unpaired surrogates in any string argument with VALIDATION, over HTTP and WebSocket', async () => {
    const from = gochat.lines.length;
    const token = await jwt();
    const createGuild = 'mutation($n: String!) { createGuild(input: { name: $n }) { id } }';
    const unstorable: Array<[string, Record<string, unknown>]> = [
      ['a NUL in a variable', { query: createGuild, variables: { n: 'Bad\u0000guild' } }],
      ['an unpaired surrogate in a variable', { query: createGuild, variables: { n: 'Bad\ud800guild' } }],
      [
        'a NUL in a literal',
        { query: 'mutation { createGuild(input: { name: "Bad\\u0000guild" }) { id } }' },
      ],
      ['a NUL in a query argument', { query: '{ user(id: "1\\u0000") { id } }' }],
      [
        'a NUL in a message',
        {
          query: 'mutation($c: ID!) { sendMessage(channelId: $c, content: "hi\\u0000") { id } }',
          variables: { c: '1' },
        },
      ],
      ['a NUL in a handle', { query: 'mutation { sendFriendRequest(handle: "x\\u0000") { user { id } } }' }],
    ];
    for (const [what, body] of unstorable) {
      const { status, body: result } = await post(body, GRAPHQL_RESPONSE, token);
      expect(status, what).toBe(400);
      expect(result.errors?.[0]?.extensions?.code, what).toBe('VALIDATION');
      expect(result.errors?.[0]?.message, what).toMatch(/NUL characters or unpaired UTF-16 surrogates/);
    }
    const ws = wsConnect(url, token);
    try {
      for (const [what, payload] of [
        ...unstorable,
        [
          'a NUL in a subscription argument',
          {
            query: 'subscription($c: ID!) { messageCreated(channelId: $c) { id } }',
            variables: { c: '1\u0000' },
          },
        ],
        [
          'an unpaired surrogate in a feed cursor',
          {
            query: 'subscription($a: String) { viewerFeed(after: $a) { cursor } }',
            variables: { a: '\udc00' },
          },
        ],
      ] as Array<[string, Record<string, unknown>]>) {
        const outcome = await once(ws, payload);
        expect(outcome.errors?.[0]?.extensions?.code, what).toBe('VALIDATION');
      }
      expect(ws.closes).toEqual([]);
    } finally {
      await ws.dispose();
    }
    // Nothing was written, and nothing failed inside.
    const guilds = await post({ query: '{ myGuilds { name } }' }, GRAPHQL_RESPONSE, token);
    expect(guilds.body).toEqual({ data: { myGuilds: [] } });
    expect(await loggedAboveInfo(from)).toEqual([]);
  });

  it('answers a NUL or an unpaired surrogate sent to /api/auth with 400, not a 500', async () => {
    const from = gochat.lines.length;
    const auth = (path: string, init: RequestInit = {}) => fetch(`${url}/api/auth/${path}`, init);
    const json = (body: Record<string, unknown>) => ({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const refused = [
      [
        'a NUL in the name',
        await auth(
          'sign-up/email',
          json({ email: 'n@example.test', password: 'long password', name: 'a\u0000b' }),
        ),
      ],
      [
        'a NUL in the e-mail',
        await auth(
          'sign-up/email',
          json({ email: 'n\u0000@example.test', password: 'long password', name: 'N' }),
        ),
      ],
      [
        'an unpaired surrogate',
        await auth('sign-in/email', json({ email: 'n@example.test', password: 'pw\ud800' })),
      ],
      [
        'a NUL in a form body',
        await auth('sign-in/email', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'email=n%00%40example.test&password=x',
        }),
      ],
      ['a NUL in a query parameter', await auth('verify-email?token=a%00b')],
    ] as const;
    for (const [what, response] of refused) {
      expect(response.status, what).toBe(400);
      expect(await response.json(), what).toMatchObject({ code: 'VALIDATION' });
    }
    expect(await loggedAboveInfo(from)).toEqual([]);
  });

  it('keeps GraphiQL, introspection and /metrics on the role port in development', async () => {
    const page = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('GraphiQL');
    const schema = await post({ query: '{ __schema { queryType { name } } }' });
    expect(schema.body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
  });

  it("lets browsers call /graphql from the public URL's origin only, and never with credentials", async () => {
    const preflight = (origin: string) =>
      fetch(`${url}/graphql`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, authorization',
        },
      });
    for (const origin of ['https://evil.example', publicOrigin]) {
      const response = await preflight(origin);
      expect(response.headers.get('access-control-allow-origin'), origin).toBe(publicOrigin);
      expect(response.headers.get('access-control-allow-credentials'), origin).toBeNull();
      const actual = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(actual.headers.get('access-control-allow-origin'), origin).toBe(publicOrigin);
      expect(actual.headers.get('access-control-allow-credentials'), origin).toBeNull();
    }
  });
});
