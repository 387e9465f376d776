import {
  guildAccess,
  guildChannels,
  permissionsIn,
  readableChannels,
  type GuildChannel,
} from '@gochat/channel-access';
import { forbidden, notFound } from '@gochat/errors';
import { has, PERMISSIONS } from '@gochat/permissions';

import type { SearchContext } from './resolvers/context.ts';
import { directChannelsOf } from './store/lookups.ts';

/** Where a search looks, after permissions: only what the caller may read now. */
export type Scope =
  | { kind: 'guild'; guildId: string; readable: GuildChannel[] }
  | { kind: 'channel'; guildId: string | null; parentChannelId: string; threadId: string | null }
  | { kind: 'direct'; channelIds: string[] };

const READ = PERMISSIONS.VIEW_CHANNEL | PERMISSIONS.READ_MESSAGE_HISTORY;

/** A guild the caller belongs to (NOT_FOUND otherwise: a search does not reveal other guilds). */
export async function guildScope(ctx: SearchContext, userId: string, guildId: string): Promise<Scope> {
  const [guild, channels] = await Promise.all([
    guildAccess(ctx.db, guildId, userId),
    guildChannels(ctx.db, guildId),
  ]);
  if (!guild?.member) throw notFound('Guild');
  return { kind: 'guild', guildId, readable: readableChannels(guild, channels, userId) };
}

/** One channel or thread: NOT_FOUND when missing, FORBIDDEN without VIEW_CHANNEL and READ_MESSAGE_HISTORY. */
export async function channelScope(ctx: SearchContext, userId: string, containerId: string): Promise<Scope> {
  const facts = await ctx.access.channelAccess(containerId, userId);
  if (!facts || facts.kind === 'category') throw notFound('Channel');
  if (!has(permissionsIn(facts, userId), READ)) throw forbidden('Not allowed to read this channel.');
  return {
    kind: 'channel',
    guildId: facts.guildId,
    parentChannelId: facts.channelId,
    threadId: facts.thread ? facts.thread.id : null,
  };
}

/** Every DM and group DM the caller takes part in. */
export async function directScope(ctx: SearchContext, userId: string): Promise<Scope> {
  return { kind: 'direct', channelIds: await directChannelsOf(ctx.db, userId) };
}
