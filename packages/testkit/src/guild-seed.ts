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
  threads,
} from '@gochat/drizzle';
import type { SnowflakeGenerator } from '@gochat/ids';
import { DEFAULT_EVERYONE_PERMISSIONS } from '@gochat/permissions';

/**
 * Guild, channel and DM rows written directly, for the harnesses of subgraphs that read the guilds
 * subgraph's tables but do not own them (messages, media, voice).
 */
export interface GuildSeed {
  /** A guild owned by ownerId (a member), with @everyone holding `everyone` (default permissions). */
  guild(ownerId: string, everyone?: bigint): Promise<string>;
  member(guildId: string, userId: string, timeoutUntil?: Date | null): Promise<void>;
  /** A role with these permissions, given to the listed members. */
  role(guildId: string, permissions: bigint, memberIds?: string[]): Promise<string>;
  channel(guildId: string, kind?: 'text' | 'voice' | 'category'): Promise<string>;
  thread(guildId: string, parentId: string, ownerId: string): Promise<string>;
  overwrite(
    channelId: string,
    targetType: 'role' | 'member',
    targetId: string,
    allow: bigint,
    deny: bigint,
  ): Promise<void>;
  /** A 1:1 DM between two users. */
  dm(a: string, b: string): Promise<string>;
  /** A group DM owned by ownerId with the others. */
  groupDm(ownerId: string, others: string[]): Promise<string>;
  block(blockerId: string, blockedId: string): Promise<void>;
}

export function createGuildSeed(db: Database, ids: SnowflakeGenerator): GuildSeed {
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
    async thread(guildId, parentId, ownerId) {
      const id = ids.next();
      await db.insert(threads).values({ id, parentId, guildId, ownerId, name: `thread-${id}` });
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
