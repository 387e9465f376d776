import fs from 'node:fs';

import type { BlobStore } from '@gochat/blob-store';
import type { EventBus } from '@gochat/bus';
import { userExists, type Database } from '@gochat/db';
import type { SnowflakeGenerator } from '@gochat/ids';
import { createIdentityVerifier } from '@gochat/identity';
import type { Lifecycle, Role } from '@gochat/lifecycle';
import type { Logger } from '@gochat/log';
import { createPostgresTimeline, type MessageTimeline } from '@gochat/message-store';
import type { OutboxRelay } from '@gochat/outbox';
import { createSubgraph, loaderById } from '@gochat/subgraph-kit';
import DataLoader from 'dataloader';

import { scheduleAuditPurge } from './audit-purge.ts';
import type { GuildsConfig } from './config.ts';
import { startDeletedUsersReaction } from './deleted-users.ts';
import { memberKey, type GuildsContext, type GuildsLoaders } from './resolvers/context.ts';
import { resolvers } from './resolvers/index.ts';
import { createGuildsStore, type GuildsStore } from './store/index.ts';

export interface GuildsDeps {
  config: GuildsConfig;
  db: Database;
  ids: SnowflakeGenerator;
  outbox: OutboxRelay;
  log: Logger;
  /** When given (a served role), the 45-day audit log purge runs hourly until shutdown. */
  lifecycle?: Lifecycle;
  /** The message store join messages and ban purges write to; PostgreSQL on `db` when not given. */
  timeline?: MessageTimeline;
  /** When given with lifecycle (a served role), deleted accounts leave their guilds (deleted-users.ts). */
  bus?: EventBus;
  /** Builds members' guild avatar URLs (public routes, as media's avatars); required to serve one. */
  blob?: BlobStore;
}

const typeDefs = fs.readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

function groupBy<T>(rows: T[], keyOf: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return groups;
}

function createLoaders(store: GuildsStore): GuildsLoaders {
  return {
    guild: loaderById(store.guildsByIds),
    channel: loaderById(store.channelsByIds),
    member: new DataLoader(async (keys: readonly string[]) => {
      const rows = await store.members(
        keys.map((key) => {
          const [guildId = '', userId = ''] = key.split(':');
          return { guildId, userId };
        }),
      );
      const byKey = new Map(rows.map((r) => [memberKey(r.guildId, r.userId), r]));
      return keys.map((key) => byKey.get(key));
    }),
    roles: new DataLoader(async (guildIds: readonly string[]) => {
      const groups = groupBy(await store.rolesOfGuilds(guildIds), (r) => r.guildId);
      return guildIds.map((g) => groups.get(g) ?? []);
    }),
    overwrites: new DataLoader(async (channelIds: readonly string[]) => {
      const groups = groupBy(await store.overwritesOfChannels(channelIds), (o) => o.channelId);
      return channelIds.map((c) => groups.get(c) ?? []);
    }),
    memberCount: new DataLoader(async (guildIds: readonly string[]) => {
      const counts = new Map((await store.membersCounts(guildIds)).map((r) => [r.guildId, Number(r.n)]));
      return guildIds.map((g) => counts.get(g) ?? 0);
    }),
    recipients: new DataLoader(async (channelIds: readonly string[]) => {
      const groups = groupBy(await store.recipientsOfChannels(channelIds), (r) => r.channelId);
      return channelIds.map((c) => (groups.get(c) ?? []).map((r) => r.userId));
    }),
  };
}

/** Guilds: guilds, channels (DMs included), roles, members, invites, moderation, audit log and emoji. */
export function createGuildsRole(deps: GuildsDeps): Role {
  const store = createGuildsStore(deps.db, deps.ids, deps.timeline ?? createPostgresTimeline(deps.db));
  if (deps.lifecycle) {
    const purge = scheduleAuditPurge({ purge: (olderThan) => store.purgeAuditLog(olderThan), log: deps.log });
    deps.lifecycle.defer('audit purge', () => purge.stop());
    if (deps.bus) {
      const reaction = startDeletedUsersReaction({
        db: deps.db,
        bus: deps.bus,
        log: deps.log,
        kick: () => deps.outbox.kick(),
      });
      deps.lifecycle.defer('deleted users', () => reaction.stop());
    }
  }
  const subgraph = createSubgraph<GuildsContext>({
    name: 'guilds',
    typeDefs,
    resolvers,
    verifier: createIdentityVerifier(deps.config.secrets.internal),
    log: deps.log,
    accountExists: (userId) => userExists(deps.db, userId),
    context: (base) => ({
      ...base,
      store,
      blob: deps.blob,
      kick: () => deps.outbox.kick(),
      loaders: createLoaders(store),
    }),
  });
  return { name: 'subgraph:guilds', fetch: async (request) => subgraph.fetch(request) };
}
