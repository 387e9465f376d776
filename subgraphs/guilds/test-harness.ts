import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { createDiskBlobStore, urlSigningKey } from '@gochat/blob-store';
import { auditLog, channels, guildMembers, guilds, memberRoles, roles } from '@gochat/drizzle';
import { DEFAULT_EVERYONE_PERMISSIONS } from '@gochat/permissions';
import { openSubgraphHarness, type SubgraphHarness } from '@gochat/testkit';
import { and, eq } from 'drizzle-orm';

import { createGuildsRole } from './role.ts';

/**
 * Rows written directly, for tests whose subject is not how they come to be (creating guilds and
 * roles, and joining, have suites of their own). Ids come from the harness's generator.
 */
export interface GuildSeed {
  /** `count` new accounts. */
  users(count: number): Promise<string[]>;
  /**
   * A guild owned by ownerId (a member), with @everyone (id = guild id, position 0) holding
   * `everyone` (default permissions) and a text channel 'general', the system channel unless
   * `systemChannel` is false.
   */
  guild(
    ownerId: string,
    options?: { everyone?: bigint; systemChannel?: boolean },
  ): Promise<{ guildId: string; channelId: string }>;
  /** A role holding `permissions` at `position` (1: just above @everyone). */
  role(guildId: string, permissions: bigint, position?: number): Promise<string>;
  /** Makes an existing user a member holding the roles. */
  join(guildId: string, userId: string, roleIds?: string[]): Promise<void>;
  /** A new user who is a member holding the roles. */
  member(guildId: string, roleIds?: string[]): Promise<string>;
}

function createSeed(h: SubgraphHarness): GuildSeed {
  const { db, ids } = h;
  const join: GuildSeed['join'] = async (guildId, userId, roleIds = []) => {
    await db.insert(guildMembers).values({ guildId, userId });
    if (roleIds.length)
      await db.insert(memberRoles).values(roleIds.map((roleId) => ({ guildId, userId, roleId })));
  };
  return {
    users: (count) => Promise.all(Array.from({ length: count }, () => h.createUser())),
    async guild(ownerId, { everyone = DEFAULT_EVERYONE_PERMISSIONS, systemChannel = true } = {}) {
      const guildId = ids.next();
      const channelId = ids.next();
      await db.insert(guilds).values({ id: guildId, name: `Guild ${guildId}`, ownerId });
      await db
        .insert(roles)
        .values({ id: guildId, guildId, name: '@everyone', position: 0, permissions: everyone });
      await db.insert(guildMembers).values({ guildId, userId: ownerId });
      await db.insert(channels).values({ id: channelId, guildId, kind: 'text', name: 'general' });
      if (systemChannel)
        await db.update(guilds).set({ systemChannelId: channelId }).where(eq(guilds.id, guildId));
      return { guildId, channelId };
    },
    async role(guildId, permissions, position = 1) {
      const id = ids.next();
      await db.insert(roles).values({ id, guildId, name: `role ${id}`, position, permissions });
      return id;
    },
    join,
    async member(guildId, roleIds) {
      const userId = await h.createUser();
      await join(guildId, userId, roleIds);
      return userId;
    },
  };
}

/**
 * The guilds subgraph in-process on a real database (see openSubgraphHarness), with `seed` for rows
 * written directly and reads of what most suites check. No lifecycle is handed to the role, so the
 * audit purge job does not run.
 */
export interface GuildsHarness extends SubgraphHarness {
  seed: GuildSeed;
  /** The guild's audit entries of one action, oldest first. */
  auditOf(guildId: string, action: string): Promise<(typeof auditLog.$inferSelect)[]>;
  isMember(guildId: string, userId: string): Promise<boolean>;
}

export async function openGuildsHarness(postgresAdminUrl?: string | null): Promise<GuildsHarness> {
  // Only public URLs are made of it (members' guild avatars: /media/public/<key>); nothing is stored.
  const blob = createDiskBlobStore({
    dir: fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-guilds-blobs-')),
    signingKey: urlSigningKey('guilds-harness-signing-secret-0123456789abcdef'),
    baseUrl: '',
  });
  const harness = await openSubgraphHarness(
    { subgraph: 'guilds', worker: 1, role: (deps) => createGuildsRole({ ...deps, blob }) },
    postgresAdminUrl,
  );
  const { db } = harness;
  return Object.assign(harness, {
    seed: createSeed(harness),
    auditOf: (guildId: string, action: string) =>
      db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.guildId, guildId), eq(auditLog.action, action)))
        .orderBy(auditLog.id),
    isMember: async (guildId: string, userId: string) =>
      (
        await db
          .select()
          .from(guildMembers)
          .where(and(eq(guildMembers.guildId, guildId), eq(guildMembers.userId, userId)))
      ).length === 1,
  });
}
