import type { BusEvent } from '@gochat/bus';
import { createMemoryStore } from '@gochat/cache';
import { createGuildSeed, openSubgraphHarness, type GuildSeed, type SubgraphHarness } from '@gochat/testkit';

import { createMessagesRole } from './role.ts';

/** Rows the messages subgraph reads but does not own, written directly (testkit's guild seed). */
export type Seed = GuildSeed;

/**
 * The messages subgraph in-process on a real database (see openSubgraphHarness), with `seed` for the
 * rows it reads but does not own.
 */
export interface MessagesHarness extends SubgraphHarness {
  seed: Seed;
}

export interface MessagesHarnessOptions {
  /** The per-user send limit (default: high enough never to matter). */
  sendRate?: { points: number; windowSeconds: number };
  /** The cache's clock (epoch ms), so tests can expire keys (slowmode, typing) without sleeping. */
  cacheClock?: () => number;
  /**
   * Stands between the role and the harness bus's publishEphemeral (which `events` records), e.g. to
   * make it fail.
   */
  ephemeral?: (event: BusEvent, publish: (event: BusEvent) => Promise<void>) => Promise<void>;
}

export async function openMessagesHarness(
  postgresAdminUrl?: string | null,
  options: MessagesHarnessOptions = {},
): Promise<MessagesHarness> {
  const sendRate = options.sendRate ?? { points: 100_000, windowSeconds: 1 };
  const harness = await openSubgraphHarness(
    {
      subgraph: 'messages',
      worker: 3,
      role: (deps) =>
        createMessagesRole({
          ...deps,
          cache: createMemoryStore({
            keyPrefix: `messages-test-${Math.random()}:`,
            ...(options.cacheClock ? { now: options.cacheClock } : {}),
          }),
          bus: {
            publishEphemeral: (event) =>
              options.ephemeral
                ? options.ephemeral(event, (e) => deps.bus.publishEphemeral(e))
                : deps.bus.publishEphemeral(event),
          },
          config: { ...deps.config, messages: { sendRate, attachmentUrlTtlSeconds: 3_600 } },
        }),
    },
    postgresAdminUrl,
  );
  return Object.assign(harness, { seed: createGuildSeed(harness.db, harness.ids) });
}
