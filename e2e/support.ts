import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { DEFAULT_MUTATION_RULES } from '@gochat/config';
import { uniqueName } from '@gochat/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { parse, stringify } from 'yaml';

/**
 * YAML config text from parts, merged key by key (later parts win), so parts that each set keys under
 * one section (`router:`, say) can be combined. A single part is returned as written.
 */
export function yamlConfig(...parts: string[]): string {
  if (parts.length === 1) return parts[0]!;
  const merge = (into: Record<string, unknown>, from: Record<string, unknown>): Record<string, unknown> => {
    for (const [key, value] of Object.entries(from)) {
      const existing = into[key];
      into[key] = isMap(existing) && isMap(value) ? merge({ ...existing }, value) : value;
    }
    return into;
  };
  return stringify(
    parts.reduce((merged, part) => merge(merged, (parse(part) ?? {}) as Record<string, unknown>), {}),
    PLAIN,
  );
}

/** Written out in full: no YAML anchors and aliases for values that happen to be the same object. */
const PLAIN = { aliasDuplicateObjects: false } as const;

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A temp directory with a YAML config file (the parts merged, see yamlConfig) for a test's gochat processes. */
export function tempConfig(...parts: string[]): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-e2e-'));
  const file = path.join(dir, 'gochat.yaml');
  fs.writeFileSync(file, yamlConfig(...parts));
  return { dir, file };
}

/** Rate limits high enough for a test that signs up many users from one address. */
export const RELAXED_LIMITS = `
accounts:
  rateLimit:
    strict: { points: 10000, windowSeconds: 60 }
    general: { points: 10000, windowSeconds: 60 }
    mailPerAddress: { points: 10000, windowSeconds: 60 }
`;

/** No per-user send limit: for tests that send bursts of messages. */
export const UNLIMITED_SENDS = `
messages:
  sendRate: { points: 1000000, windowSeconds: 1 }
`;

const unlimited = { points: 1_000_000, windowSeconds: 1 };

/**
 * No per-user mutation limits at the router (router.rateLimits, every rule): for tests and benchmarks
 * where one user runs bursts of writes (fixtures, many invites, the authorization matrix). Combine with
 * another `router:` part through tempConfig's or yamlConfig's parts, not by concatenation.
 */
export const UNLIMITED_WRITES = stringify(
  {
    router: {
      rateLimits: {
        default: unlimited,
        rules: Object.fromEntries(Object.keys(DEFAULT_MUTATION_RULES).map((name) => [name, unlimited])),
      },
    },
  },
  PLAIN,
);

export const SECRETS = {
  AUTH_SECRET: 'e2e-auth-secret-0123456789abcdef012345',
  INTERNAL_SECRET: 'e2e-internal-secret-0123456789abcdef0123',
};

/**
 * A resume may replay at most 100 events of the viewer's own subjects: a test can send more than that
 * elsewhere and show that it does not count (issue 11, item 7).
 */
export const SHORT_REPLAY = `
router:
  realtime:
    maxReplay: 100
`;

/**
 * A private corner of the shared real NATS and Redis for one suite: its own subject prefix, stream and
 * key prefix (as variables for gochat processes), and the clean-up that removes them again.
 */
export function realServersNamespace(name: string, urls: { nats: string; redis: string }) {
  const prefix = uniqueName(name)
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
  const stream = prefix.toUpperCase();
  return {
    env: {
      NATS_URL: urls.nats,
      NATS_PREFIX: prefix,
      NATS_STREAM: stream,
      REDIS_URL: urls.redis,
      REDIS_PREFIX: `${prefix}:`,
    },
    async remove(): Promise<void> {
      const nc = await connect({ servers: urls.nats });
      await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
      await nc.close();
      const redis = new Redis(urls.redis);
      const leftovers = await redis.keys(`${prefix}:*`);
      if (leftovers.length) await redis.del(...leftovers);
      await redis.quit();
    },
  };
}
