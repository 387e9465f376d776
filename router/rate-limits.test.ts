import { routerSection } from '@gochat/config';
import { createMemoryStore, type KeyValueStore } from '@gochat/cache';
import { DomainError } from '@gochat/errors';
import { silentLogger } from '@gochat/log';
import { Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import { afterEach, describe, expect, it } from 'vitest';

import type { Principal } from './principal.ts';
import { createMutationLimiter, mutationRateLimits, rootFieldCounts } from './rate-limits.ts';

const stores: KeyValueStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

function limiter(rules: unknown = undefined) {
  const store = createMemoryStore({ keyPrefix: 'test:' });
  stores.push(store);
  const config = routerSection.parse({ rateLimits: rules }).rateLimits;
  return createMutationLimiter({ store, config, log: silentLogger });
}

const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
};

function counts(source: string) {
  const document = parse(source);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )!;
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  return Object.fromEntries(rootFieldCounts(operation.selectionSet, fragments));
}

describe('rootFieldCounts', () => {
  it('counts each response key once: aliases apart, fragments included, __typename free', () => {
    expect(counts('mutation { a: editMessage b: editMessage editMessage createGuild __typename }')).toEqual({
      editMessage: 3,
      createGuild: 1,
    });
    expect(counts('mutation { editMessage editMessage }')).toEqual({ editMessage: 1 });
    expect(
      counts(
        'mutation { ...F ... on Mutation { c: editMessage } } fragment F on Mutation { a: editMessage ...F2 } fragment F2 on Mutation { addReaction }',
      ),
    ).toEqual({ editMessage: 2, addReaction: 1 });
  });
});

describe('createMutationLimiter', () => {
  it('refuses the 11th edit in a window with RATE_LIMITED and whole seconds to wait; others are unaffected', async () => {
    const limits = limiter();
    for (let i = 0; i < 10; i++) await limits.consume('alice', 'editMessage');
    const error = await refusal(limits.consume('alice', 'editMessage'));
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.extensions.retryAfter).toBeGreaterThanOrEqual(1);
    expect(error.extensions.retryAfter).toBeLessThanOrEqual(10);
    await limits.consume('bob', 'editMessage');
    await limits.consume('alice', 'createGuild');
  });

  it('shares one budget between the fields of a rule and keeps default fields apart', async () => {
    const limits = limiter({
      default: { points: 2, windowSeconds: 60 },
      rules: { reactions: { points: 3 } },
    });
    await limits.consume('alice', 'addReaction');
    await limits.consume('alice', 'removeReaction', 2);
    expect((await refusal(limits.consume('alice', 'removeAllReactions'))).code).toBe('RATE_LIMITED');
    await limits.consume('alice', 'kickMember', 2);
    await limits.consume('alice', 'banMember', 2);
    expect((await refusal(limits.consume('alice', 'banMember'))).code).toBe('RATE_LIMITED');
  });

  it('charges an operation per budget, and refuses more runs than a whole window allows as VALIDATION', async () => {
    const limits = limiter();
    const tooMany = await refusal(limits.consumeAll('alice', new Map([['editMessage', 11]])));
    expect(tooMany.code).toBe('VALIDATION');
    await limits.consumeAll(
      'alice',
      new Map([
        ['editMessage', 10],
        ['addReaction', 1],
      ]),
    );
    expect((await refusal(limits.consume('alice', 'editMessage'))).code).toBe('RATE_LIMITED');
  });

  it('never charges sendMessage, which the messages role limits', async () => {
    const limits = limiter({ default: { points: 1, windowSeconds: 60 } });
    for (let i = 0; i < 5; i++) await limits.consume('alice', 'sendMessage');
  });

  it('answers SERVICE_UNAVAILABLE when the store fails', async () => {
    const store = createMemoryStore({ keyPrefix: 'test:' });
    const limits = createMutationLimiter({
      store,
      config: routerSection.parse({}).rateLimits,
      log: silentLogger,
    });
    await store.close();
    expect((await refusal(limits.consume('alice', 'editMessage'))).code).toBe('SERVICE_UNAVAILABLE');
  });
});

describe('mutationRateLimits plugin', () => {
  const yogaFor = (principal: Principal) => {
    let runs = 0;
    const yoga = createYoga({
      schema: createSchema({
        typeDefs: 'type Query { ok: Boolean } type Mutation { editMessage: Int createGuild: Int }',
        resolvers: { Mutation: { editMessage: () => ++runs, createGuild: () => ++runs } },
      }),
      context: () => ({ principal }),
      plugins: [mutationRateLimits(limiter({ rules: { editMessage: { points: 2 } } }))],
      logging: false,
      maskedErrors: false,
    });
    const post = (query: string) =>
      yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      });
    return { post, runs: () => runs };
  };

  it('answers HTTP 429 with Retry-After and runs nothing of a refused operation', async () => {
    const { post, runs } = yogaFor({ kind: 'user', userId: 'alice', expiresAt: Date.now() + 60_000 });
    expect((await post('mutation { editMessage }')).status).toBe(200);
    expect((await post('mutation { editMessage }')).status).toBe(200);
    const refused = await post('mutation { createGuild editMessage }');
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    const body = (await refused.json()) as { data?: unknown; errors: Array<{ extensions: unknown }> };
    expect(body.data).toBeUndefined();
    expect(body.errors[0]!.extensions).toEqual({ code: 'RATE_LIMITED', retryAfter });
    expect(runs()).toBe(2);
  });

  it('leaves anonymous callers and queries alone', async () => {
    const anonymous = yogaFor({ kind: 'anonymous' });
    for (let i = 0; i < 4; i++) expect((await anonymous.post('mutation { editMessage }')).status).toBe(200);
    const user = yogaFor({ kind: 'user', userId: 'bob', expiresAt: Date.now() + 60_000 });
    for (let i = 0; i < 4; i++) expect((await user.post('{ ok }')).status).toBe(200);
  });
});
