import fs from 'node:fs';

import { createIdentitySigner } from '@gochat/identity';
import type { ServiceLinks } from '@gochat/lifecycle';
import { silentLogger } from '@gochat/log';
import { afterEach, describe, expect, it } from 'vitest';

import { routerConfigSchema } from './config.ts';
import { createGateway } from './gateway.ts';
import { createRouterYoga } from './yoga.ts';

const LIMIT = 65_536;
const QUERY = '{ userByHandle(handle: "big") { id displayName } }';

/** An answer of the accounts subgraph to QUERY whose display name has `size` characters. */
const userOfSize = (size: number) =>
  JSON.stringify({ data: { userByHandle: { id: '1', displayName: 'x'.repeat(size) } } });
const JSON_TYPE = { 'content-type': 'application/json' };

/** A body that never ends; counts what was pulled from it, and whether it was cancelled. */
function endless() {
  const seen = { pulled: 0, cancelled: false };
  const chunk = new TextEncoder().encode(
    `{"data":{"userByHandle":{"id":"1","displayName":"${'x'.repeat(8_000)}`,
  );
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      seen.pulled += chunk.byteLength;
      controller.enqueue(chunk);
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  return { body, seen };
}

/**
 * The router's GraphQL pipeline (Yoga over the gateway, with its error sanitizer) in front of an
 * accounts subgraph that answers whatever the test gives it.
 */
async function routerAnswering(answer: () => Response) {
  const links = {
    accounts: () => Promise.resolve(answer()),
    guilds: () => Promise.reject(new Error('not in this test')),
    messages: () => Promise.reject(new Error('not in this test')),
    media: () => Promise.reject(new Error('not in this test')),
    search: () => Promise.reject(new Error('not in this test')),
    voice: () => Promise.reject(new Error('not in this test')),
  } satisfies ServiceLinks;
  const gateway = createGateway({
    supergraphSdl: fs.readFileSync(new URL('../supergraph/supergraph.graphql', import.meta.url), 'utf8'),
    links,
    log: silentLogger,
    maxResponseBytes: LIMIT,
  });
  await gateway.load();
  const config = routerConfigSchema.parse({ secrets: { internal: 'i'.repeat(32) } });
  const yoga = createRouterYoga({
    gateway,
    auth: { fromAuthorization: () => Promise.resolve({ kind: 'user', userId: '1', expiresAt: Infinity }) },
    signer: createIdentitySigner(config.secrets.internal),
    config: config.router,
    publicUrl: 'http://router.test',
    log: silentLogger,
    // The query under test is not a mutation: nothing is charged.
    mutationLimiter: { consume: () => Promise.resolve(), consumeAll: () => Promise.resolve() },
  });
  stops.push(() => gateway.stop());
  return async () => {
    const response = await yoga.fetch('http://router.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: QUERY }),
    });
    return (await response.json()) as {
      data?: { userByHandle: { displayName: string } | null } | null;
      errors?: { message: string; extensions?: { code?: string } }[];
    };
  };
}

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

describe('router.limits.maxSubgraphResponseBytes', () => {
  it('passes a subgraph answer within the limit through', async () => {
    const run = await routerAnswering(() => new Response(userOfSize(LIMIT - 1_000), { headers: JSON_TYPE }));
    const result = await run();
    expect(result.errors).toBeUndefined();
    expect(result.data?.userByHandle?.displayName).toHaveLength(LIMIT - 1_000);
  });

  it('answers RESPONSE_TOO_LARGE for a larger answer, by its declared length or as it streams', async () => {
    const declared = await routerAnswering(
      () =>
        new Response(userOfSize(LIMIT * 4), {
          headers: { ...JSON_TYPE, 'content-length': String(LIMIT * 4 + 60) },
        }),
    );
    const streamed = await routerAnswering(
      () => new Response(new Blob([userOfSize(LIMIT * 4)]).stream(), { headers: JSON_TYPE }),
    );
    for (const run of [declared, streamed]) {
      const result = await run();
      expect(result.data?.userByHandle ?? null).toBeNull();
      expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['RESPONSE_TOO_LARGE']);
      expect(result.errors?.[0]?.message).toMatch(/exceed 65536 bytes/);
    }
  });

  it('stops reading an endless answer just past the limit', async () => {
    const { body, seen } = endless();
    const run = await routerAnswering(() => new Response(body, { headers: JSON_TYPE }));
    const result = await run();
    expect(result.errors?.[0]?.extensions?.code).toBe('RESPONSE_TOO_LARGE');
    expect(seen.cancelled).toBe(true);
    // Only what a stream reads ahead of the consumer (a chunk or two) comes past the limit.
    expect(seen.pulled).toBeLessThan(LIMIT * 2);
  });
});
