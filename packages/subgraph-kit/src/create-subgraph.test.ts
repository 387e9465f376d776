import { forbidden } from '@gochat/errors';
import {
  IDENTITY_HEADER,
  createIdentitySigner,
  createIdentityVerifier,
  type Identity,
} from '@gochat/identity';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';

import { REQUEST_ID_HEADER, createSubgraph, type BaseContext } from './create-subgraph.ts';

const SECRET = 'i'.repeat(32);

interface Body {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; path?: unknown[]; extensions: Record<string, unknown> }>;
}

const typeDefs = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query {
    hello: String!
    boom: String!
    domain: String!
  }
`;

function setup(accountExists?: (userId: string) => Promise<boolean>) {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino(
    { level: 'debug' },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const seen: Identity[] = [];
  const resolvers = {
    Query: {
      hello: (_: unknown, __: unknown, ctx: BaseContext) => {
        seen.push(ctx.identity);
        return `hello ${ctx.identity.kind}`;
      },
      boom: () => {
        throw new Error('secret db detail');
      },
      domain: () => {
        throw forbidden('Only guild owners can do this.');
      },
    },
  };
  const yoga = createSubgraph({
    name: 'test',
    typeDefs,
    resolvers,
    verifier: createIdentityVerifier(SECRET),
    log,
    context: (base) => base,
    ...(accountExists ? { accountExists } : {}),
  });
  async function post(query: string, headers: Record<string, string> = {}) {
    const response = await yoga.fetch('http://subgraph.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: JSON.stringify({ query }),
    });
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text) as Body };
  }
  return { post, seen, lines };
}

const signer = createIdentitySigner(SECRET);
const identityHeader = async (identity: Identity = { kind: 'user', userId: '42', sessionId: 's1' }) => ({
  [IDENTITY_HEADER]: await signer.sign(identity),
});

describe('createSubgraph', () => {
  it('refuses a request without a router identity with 401, before any resolver runs', async () => {
    const { post, seen } = setup();
    const { status, body } = await post('{ hello }');
    expect(status).toBe(401);
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([
      {
        message: 'This service accepts requests from the GoChat router only.',
        extensions: { code: 'UNAUTHENTICATED' },
      },
    ]);
    expect(seen).toEqual([]);
  });

  it('refuses an identity signed with another secret', async () => {
    const { post, seen } = setup();
    const forged = await createIdentitySigner('x'.repeat(32)).sign({ kind: 'user', userId: '42' });
    const { status, body } = await post('{ hello }', { [IDENTITY_HEADER]: forged });
    expect(status).toBe(401);
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(seen).toEqual([]);
  });

  it('refuses an expired identity', async () => {
    const { post, seen } = setup();
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ id: { kind: 'user', userId: '42' } })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('gochat:router')
      .setAudience('gochat:subgraphs')
      .setIssuedAt(now - 120)
      .setExpirationTime(now - 60)
      .sign(new TextEncoder().encode(SECRET));
    const { status, body } = await post('{ hello }', { [IDENTITY_HEADER]: expired });
    expect(status).toBe(401);
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(seen).toEqual([]);
  });

  it('runs a request with a valid identity and hands the identity to resolvers', async () => {
    const { post, seen } = setup();
    const { status, body } = await post('{ hello }', await identityHeader());
    expect(status).toBe(200);
    expect(body).toEqual({ data: { hello: 'hello user' } });
    expect(seen).toEqual([{ kind: 'user', userId: '42', sessionId: 's1' }]);
  });

  it('masks an unexpected resolver error and logs it with the same request id', async () => {
    const { post, lines } = setup();
    const { status, text, body } = await post('{ boom }', await identityHeader());
    expect(status).toBe(200);
    expect(text).not.toContain('secret db detail');
    expect(body.errors).toHaveLength(1);
    const error = body.errors![0]!;
    expect(error.message).toBe('Unexpected error.');
    expect(error.extensions.code).toBe('INTERNAL_SERVER_ERROR');
    expect(error.extensions.requestId).toEqual(expect.any(String));
    expect(error.extensions.requestId).not.toBe('');
    const logged = lines.filter((l) => l.level === 50);
    expect(logged).toHaveLength(1);
    expect(logged[0]?.requestId).toBe(error.extensions.requestId);
  });

  it("uses the caller's x-request-id for the masked error and its log line", async () => {
    const { post, lines } = setup();
    const { body } = await post('{ boom }', { ...(await identityHeader()), [REQUEST_ID_HEADER]: 'r-123' });
    expect(body.errors?.[0]).toMatchObject({
      message: 'Unexpected error.',
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'r-123' },
    });
    const logged = lines.filter((l) => l.level === 50);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ requestId: 'r-123', msg: 'unexpected error' });
    // The log keeps what the client must not see.
    expect(JSON.stringify(logged[0])).toContain('secret db detail');
  });

  it('passes a domain error through with its code and message', async () => {
    const { post, lines } = setup();
    const { body } = await post('{ domain }', await identityHeader());
    expect(body.data).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]).toMatchObject({
      message: 'Only guild owners can do this.',
      path: ['domain'],
      extensions: { code: 'FORBIDDEN' },
    });
    expect(lines.filter((l) => l.level === 50)).toEqual([]);
  });

  it('keeps graphql validation errors readable', async () => {
    const { post, lines } = setup();
    const { body } = await post('{ nope }', await identityHeader());
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]).toMatchObject({
      message: 'Cannot query field "nope" on type "Query".',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect(lines.filter((l) => l.level === 50)).toEqual([]);
  });

  it("answers a deleted account's failed request with UNAUTHENTICATED, asking only when a request failed", async () => {
    const asked: string[] = [];
    const exists = new Set(['42']);
    const { post, lines } = setup((userId) => {
      asked.push(userId);
      return Promise.resolve(exists.has(userId));
    });
    const deleted = await identityHeader({ kind: 'user', userId: '7' });
    expect((await post('{ hello }', deleted)).body).toEqual({ data: { hello: 'hello user' } });
    expect(asked).toEqual([]);

    for (const query of ['{ boom }', '{ domain }']) {
      const { body } = await post(query, deleted);
      expect(body.errors, query).toEqual([
        {
          message: 'This account no longer exists.',
          path: [query.slice(2, -2)],
          extensions: { code: 'UNAUTHENTICATED' },
        },
      ]);
    }
    expect(asked).toEqual(['7', '7']);
    expect(lines.filter((l) => (l.level as number) >= 40)).toEqual([]);

    // The same failures of an existing account are what they were.
    expect((await post('{ domain }', await identityHeader())).body.errors?.[0]?.extensions.code).toBe(
      'FORBIDDEN',
    );
    expect((await post('{ boom }', await identityHeader())).body.errors?.[0]?.extensions.code).toBe(
      'INTERNAL_SERVER_ERROR',
    );
  });
});
