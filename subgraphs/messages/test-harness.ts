import type { BusEvent } from '@gochat/bus';
import { createMemoryStore } from '@gochat/cache';
import type { Database } from '@gochat/db';
import {
  blocks,
  channelOverwrites,
  channelRecipients,
  channels,
  directPairs,
  guildMembers,
  guilds,
  memberRoles,
  roles,
} from '@gochat/drizzle';
import type { SnowflakeGenerator } from '@gochat/ids';
import { DEFAULT_EVERYONE_PERMISSIONS } from '@gochat/permissions';
import { openSubgraphHarness, type SubgraphHarness } from '@gochat/testkit';

import { createMessagesRole } from './role.ts';

/**
 * Rows the messages subgraph reads but does not own (guilds, members, roles, channels, overwrites,
 * DMs, blocks), written directly so these tests depend only on the tables' shape.
 */
export interface Seed {
  /** A guild owned by ownerId (a member), with @everyone holding `everyone` (default permissions). */
  guild(ownerId: string, everyone?: bigint): Promise<string>;
  member(guildId: string, userId: string, timeoutUntil?: Date | null): Promise<void>;
  /** A role with these permissions, given to the listed members. */
  role(guildId: string, permissions: bigint, memberIds?: string[]): Promise<string>;
  channel(guildId: string, kind?: 'text' | 'voice' | 'category'): Promise<string>;
  overwrite(
    channelId: string,
    targetType: 'role' | 'member',
    targetId: string,
    allow: bigint,
    deny: bigint,
  ): Promise<void>;
  /** A 1:1 DM between two users. */
  dm(a: string, b: string): Promise<string>;
  groupDm(ownerId: string, others: string[]): Promise<string>;
  block(blockerId: string, blockedId: string): Promise<void>;
}

function createSeed(db: Database, ids: SnowflakeGenerator): Seed {
  return {
    async guild(ownerId, everyone = DEFAULT_EVERYONE_PERMISSIONS) {
      const id = ids.next();
      await db.insert(guilds).values({ id, name: `Guild ${id}`, ownerId });
      await db
        .insert(roles)
        .values({ id, guildId: id, name: '@everyone', position: 0, permissions: everyone });
      await db.insert(guildMembers).values({ guildId: id, userId: ownerId });
      return id;
    },
    async member(guildId, userId, timeoutUntil = null) {
      await db.insert(guildMembers).values({ guildId, userId, timeoutUntil });
    },
    async role(guildId, permissions, memberIds = []) {
      const id = ids.next();
      await db.insert(roles).values({ id, guildId, name: `Role ${id}`, position: 1, permissions });
      if (memberIds.length)
        await db.insert(memberRoles).values(memberIds.map((userId) => ({ guildId, userId, roleId: id })));
      return id;
    },
    async channel(guildId, kind = 'text') {
      const id = ids.next();
      await db.insert(channels).values({ id, guildId, kind, name: `${kind}-${id}` });
      return id;
    },
    async overwrite(channelId, targetType, targetId, allow, deny) {
      await db.insert(channelOverwrites).values({ channelId, targetType, targetId, allow, deny });
    },
    async dm(a, b) {
      const id = ids.next();
      const [low, high] = a < b ? [a, b] : [b, a];
      await db.insert(channels).values({ id, guildId: null, kind: 'dm' });
      await db.insert(channelRecipients).values([
        { channelId: id, userId: a },
        { channelId: id, userId: b },
      ]);
      await db.insert(directPairs).values({ userLow: low, userHigh: high, channelId: id });
      return id;
    },
    async groupDm(ownerId, others) {
      const id = ids.next();
      await db.insert(channels).values({ id, guildId: null, kind: 'group_dm', ownerId });
      await db
        .insert(channelRecipients)
        .values([ownerId, ...others].map((userId) => ({ channelId: id, userId })));
      return id;
    },
    async block(blockerId, blockedId) {
      await db.insert(blocks).values({ blockerId, blockedId });
    },
  };
}

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
  return Object.assign(harness, { seed: createSeed(harness.db, harness.ids) });
}
