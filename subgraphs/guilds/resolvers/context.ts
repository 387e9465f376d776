import type { BlobStore } from '@gochat/blob-store';
import { notFound, unauthenticated, validation } from '@gochat/errors';
import { isSnowflake } from '@gochat/ids';
import type { BaseContext } from '@gochat/subgraph-kit';
import type DataLoader from 'dataloader';

import type { GuildsStore } from '../store/index.ts';
import type { ChannelRow, GuildRow, MemberRow, OverwriteRow, RoleRow } from '../store/rows.ts';

/** Per-request batching of the reads behind permission checks and field resolvers. */
export interface GuildsLoaders {
  guild: DataLoader<string, GuildRow | undefined>;
  channel: DataLoader<string, ChannelRow | undefined>;
  /** Keyed by `${guildId}:${userId}`. */
  member: DataLoader<string, MemberRow | undefined>;
  /** All roles of a guild, lowest position first. */
  roles: DataLoader<string, RoleRow[]>;
  overwrites: DataLoader<string, OverwriteRow[]>;
  /** How many members a guild has. */
  memberCount: DataLoader<string, number>;
  /** User ids of a DM's or group DM's participants. */
  recipients: DataLoader<string, string[]>;
}

export interface GuildsContext extends BaseContext {
  store: GuildsStore;
  loaders: GuildsLoaders;
  /** Public URLs of members' guild avatars; absent in tests that need none. */
  blob: Pick<BlobStore, 'publicUrl'> | undefined;
  /** Wakes the outbox relay after a commit that appended events. */
  kick(): void;
}

/** Ids arrive as GraphQL IDs (any string); a malformed one can name nothing. */
export function id(value: string, field: string): string {
  if (!isSnowflake(value)) throw validation(`${field}: not a valid id`, field);
  return value;
}

/** Optional id argument: undefined stays undefined, null stays null. */
export function optionalId(value: string | null | undefined, field: string): string | null | undefined {
  return value === null || value === undefined ? value : id(value, field);
}

export function signedIn(ctx: GuildsContext): string {
  if (ctx.identity.kind !== 'user') throw unauthenticated();
  return ctx.identity.userId;
}

export const memberKey = (guildId: string, userId: string) => `${guildId}:${userId}`;

/** Wraps a mutation: run it, then wake the outbox relay (events were appended in its transaction). */
export async function committed<T>(ctx: GuildsContext, work: Promise<T>): Promise<T> {
  const result = await work;
  ctx.kick();
  return result;
}

/** The loader's row for the key; NOT_FOUND naming the thing when there is none. */
export async function loaded<T>(
  loader: DataLoader<string, T | undefined>,
  key: string,
  thing: string,
): Promise<T> {
  const row = await loader.load(key);
  if (!row) throw notFound(thing);
  return row;
}
