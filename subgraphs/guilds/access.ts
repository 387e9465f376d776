import { forbidden, notFound, unauthenticated } from '@gochat/errors';
import type { Identity } from '@gochat/identity';

import type { ChannelRow, GuildRow } from './store.ts';

export interface AccessLoaders {
  guild(id: string): Promise<GuildRow | undefined>;
  channel(id: string): Promise<ChannelRow | undefined>;
  isMember(guildId: string, userId: string): Promise<boolean>;
}

/**
 * Who may read a guild or channel. Members may; so may a router hydration scoped to a channel, for
 * that channel and its guild (the router only mints one after the subscriber passed the guard).
 */
export async function readableGuild(
  identity: Identity,
  guildId: string,
  loaders: AccessLoaders,
): Promise<GuildRow> {
  const guild = await loaders.guild(guildId);
  if (!guild) throw notFound('Guild');
  if (identity.kind === 'scope') {
    const scoped = await loaders.channel(identity.scope.channelId);
    if (scoped?.guildId === guildId) return guild;
    throw forbidden('Not a member of this guild.');
  }
  if (identity.kind !== 'user') throw unauthenticated();
  if (!(await loaders.isMember(guildId, identity.userId))) throw forbidden('Not a member of this guild.');
  return guild;
}

export async function readableChannel(
  identity: Identity,
  channelId: string,
  loaders: AccessLoaders,
): Promise<ChannelRow> {
  const channel = await loaders.channel(channelId);
  if (!channel) throw notFound('Channel');
  if (identity.kind === 'scope') {
    if (identity.scope.channelId === channelId) return channel;
    throw forbidden('Not a member of this guild.');
  }
  if (identity.kind !== 'user') throw unauthenticated();
  if (!(await loaders.isMember(channel.guildId, identity.userId)))
    throw forbidden('Not a member of this guild.');
  return channel;
}

/** Owner-only operations of the thin slice; roles and permissions replace this with the guilds issue. */
export async function ownedGuild(
  identity: Identity,
  guildId: string,
  loaders: AccessLoaders,
): Promise<GuildRow> {
  if (identity.kind !== 'user') throw unauthenticated();
  const guild = await readableGuild(identity, guildId, loaders);
  if (guild.ownerId !== identity.userId) throw forbidden('Only the guild owner can do this.');
  return guild;
}
