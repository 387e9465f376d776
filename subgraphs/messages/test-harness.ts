import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { createMemoryBus } from '@gochat/bus';
import { openDatabase, type Database, type DatabaseHandle } from '@gochat/db';
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
  user,
} from '@gochat/drizzle';
import { createSnowflakeGenerator } from '@gochat/ids';
import { IDENTITY_HEADER, createIdentitySigner, type Identity } from '@gochat/identity';
import { silentLogger } from '@gochat/log';
import { createOutboxRelay, type OutboxRelay } from '@gochat/outbox';
import { DEFAULT_EVERYONE_PERMISSIONS } from '@gochat/permissions';
import { Recorder, createTestDatabase, dropTestDatabase, realServer } from '@gochat/testkit';

import { createMessagesRole } from './role.ts';

const SECRET = 'harness-internal-secret-0123456789abcdef';

export interface GraphqlResult<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

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

/**
 * The messages subgraph in-process on a real database (PGlite, or PostgreSQL when one is reachable),
 * with a memory bus whose events are recorded.
 */
export interface MessagesHarness {
  db: Database;
  kind: 'pglite' | 'postgres';
  events: Recorder;
  seed: Seed;
  /** Inserts a verified account and returns its id. */
  createUser(name?: string): Promise<string>;
  /** Runs an operation as the user (or anonymously with undefined), or as any identity. */
  as<T = Record<string, unknown>>(
    who: string | undefined | Identity,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphqlResult<T>>;
  /** The data of an operation that must succeed (throws with the errors otherwise). */
  ok<T = Record<string, unknown>>(
    who: string | undefined | Identity,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<T>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export const codeOf = (result: GraphqlResult<unknown>): string =>
  result.errors?.[0]?.extensions?.code ?? (result.data ? 'OK' : 'NO_DATA');

export const postgresForTests = () => realServer('postgres');

export async function openMessagesHarness(postgresAdminUrl?: string | null): Promise<MessagesHarness> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-messages-'));
  const url = postgresAdminUrl ? await createTestDatabase(postgresAdminUrl) : undefined;
  const handle: DatabaseHandle = await openDatabase({ url, dataDir, poolSize: 10, log: silentLogger });
  await handle.migrate();
  const db = handle.db;
  const bus = createMemoryBus({ log: silentLogger });
  const events = new Recorder();
  const subscription = bus.subscribe('>', events.handler);
  const outbox: OutboxRelay = createOutboxRelay({ db, bus, log: silentLogger, intervalMs: 50 });
  const ids = createSnowflakeGenerator(3);
  const role = createMessagesRole({
    config: { secrets: { internal: SECRET } },
    db,
    ids,
    outbox,
    log: silentLogger,
  });
  const signer = createIdentitySigner(SECRET);
  let users = 0;

  const as = async <T>(
    who: string | undefined | Identity,
    query: string,
    variables: Record<string, unknown> = {},
  ) => {
    const identity: Identity =
      typeof who === 'object' ? who : who ? { kind: 'user', userId: who } : { kind: 'anonymous' };
    const response = await role.fetch(
      new Request('http://messages.test/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json',
          [IDENTITY_HEADER]: await signer.sign(identity),
        },
        body: JSON.stringify({ query, variables }),
      }),
    );
    return (await response.json()) as GraphqlResult<T>;
  };

  const seed: Seed = {
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

  return {
    db,
    kind: handle.kind,
    events,
    seed,
    async createUser(name) {
      users += 1;
      const id = ids.next();
      await db.insert(user).values({
        id,
        name: name ?? `User ${users}`,
        email: `user-${id}@harness.test`,
        emailVerified: true,
      });
      return id;
    },
    as,
    async ok<T>(who: string | undefined | Identity, query: string, variables?: Record<string, unknown>) {
      const result = await as<T>(who, query, variables);
      if (result.errors?.length || !result.data)
        throw new Error(`operation failed: ${JSON.stringify(result.errors ?? result)}`);
      return result.data;
    },
    flush: () => outbox.flush(),
    async close() {
      await outbox.stop();
      subscription.unsubscribe();
      await bus.drain();
      await handle.close();
      if (url && postgresAdminUrl) await dropTestDatabase(postgresAdminUrl, url);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
