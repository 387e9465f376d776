import type { BusEvent } from '@gochat/bus';
import { DomainError } from '@gochat/errors';
import { PERMISSIONS, has } from '@gochat/permissions';

import type { Principal } from '../principal.ts';
import type { Runner } from '../subscriptions/hydrator.ts';
import { loadAccess, type AccessReads, type GuildAccess, type ViewerAccess } from './access.ts';
import type { Container } from './container.ts';
import type { FeedRules, Verdict } from './feed.ts';
import { viewOf } from './redaction.ts';
import { screenHistory } from './replay-screen.ts';
import {
  USER_ACCESS_EVENTS,
  changesGuildAccess,
  governingChannel,
  parseSubject,
  removalReason,
} from './subjects.ts';

export interface RulesContext {
  run: Runner;
  principal: Principal & { kind: 'user' };
  largeGuildMembers: number;
  /** Access reads shared by the user's feeds on this router that refresh after the same event. */
  reads: AccessReads;
}

const ended = (code: 'FORBIDDEN' | 'NOT_FOUND', message: string, reason: string) =>
  new DomainError(code, message, { details: { reason } });

const isMe = (ctx: RulesContext, data: Record<string, unknown>) => data.userId === ctx.principal.userId;

/** 'deliver', or the viewer's redacted version of the event (decision 0023). */
const deliverTo = (ctx: RulesContext, event: BusEvent, guild: Parameters<typeof viewOf>[2]): Verdict =>
  viewOf(event, ctx.principal.userId, guild) ?? 'deliver';

/** Guild events a member sees, given their access before and after the event. */
function guildVerdict(
  ctx: RulesContext,
  event: BusEvent,
  now: GuildAccess | undefined,
  before: GuildAccess | undefined,
): Verdict {
  const data = event.data;
  const channel = typeof data.channelId === 'string' ? data.channelId : undefined;
  const deliver = () => deliverTo(ctx, event, now ?? before);
  switch (event.type) {
    case 'ChannelCreated':
      return channel && now?.channels.has(channel) ? deliver() : 'skip';
    case 'ChannelUpdated':
    case 'ChannelDeleted':
      // Also to those who just lost sight of it, so their client hides it.
      return channel && (now?.channels.has(channel) || before?.channels.has(channel)) ? deliver() : 'skip';
    case 'InviteCreated':
    case 'InviteDeleted':
      return now && has(now.permissions, PERMISSIONS.MANAGE_GUILD) ? deliver() : 'skip';
    case 'GuildBanAdded':
    case 'GuildBanRemoved':
      return now && has(now.permissions, PERMISSIONS.BAN_MEMBERS) ? deliver() : 'skip';
    default:
      return now || before ? deliver() : 'skip';
  }
}

function containerVisible(
  access: ViewerAccess,
  guildId: string | null,
  containerId: string,
  data: Record<string, unknown>,
) {
  if (guildId === null) return access.directChannels.has(containerId);
  return access.guilds.get(guildId)?.channels.has(governingChannel(data, containerId)) ?? false;
}

/** viewerFeed: everything the viewer may see, re-filtered whenever their access changes. */
export async function viewerRules(ctx: RulesContext): Promise<FeedRules & { access: ViewerAccess }> {
  const me = ctx.principal.userId;
  const access = await loadAccess(ctx.run, ctx.principal);
  // Access before the last refresh of each guild: what the viewer could see when the event happened.
  const before = new Map<string, GuildAccess | undefined>();
  const rules = {
    access,
    patterns() {
      const p = [`user.${me}`, `presence.user.${me}`];
      for (const [id, g] of access.guilds) {
        p.push(`guild.${id}`, `channel.${id}.*.messages`, `typing.${id}.*`);
        if (g.memberCount <= ctx.largeGuildMembers) p.push(`presence.guild.${id}`);
      }
      for (const id of access.directChannels) p.push(`channel.dm.${id}.messages`, `typing.dm.${id}`);
      for (const id of access.friends) p.push(`presence.user.${id}`);
      return p;
    },
    replayPatterns() {
      const p = [`user.${me}`];
      for (const id of access.guilds.keys()) p.push(`guild.${id}`, `channel.${id}.*.messages`);
      for (const id of access.directChannels) p.push(`channel.dm.${id}.messages`);
      return p;
    },
    needsRefresh(event: BusEvent) {
      const s = parseSubject(event.subject);
      if (s.kind === 'user') return s.userId === me && USER_ACCESS_EVENTS.has(event.type);
      return s.kind === 'guild' && access.guilds.has(s.guildId) && changesGuildAccess(event, me);
    },
    async refresh(event: BusEvent) {
      const s = parseSubject(event.subject);
      if (s.kind === 'guild') {
        before.set(s.guildId, access.guilds.get(s.guildId));
        const fresh = await ctx.reads.guild(ctx.run, ctx.principal, s.guildId, event.id);
        if (fresh.guild) access.guilds.set(s.guildId, fresh.guild);
        else access.guilds.delete(s.guildId);
        replaceSet(access.directChannels, fresh.directChannels);
        return;
      }
      const fresh = await loadAccess(ctx.run, ctx.principal);
      for (const id of access.guilds.keys()) if (!fresh.guilds.has(id)) before.set(id, access.guilds.get(id));
      access.guilds.clear();
      for (const [id, g] of fresh.guilds) access.guilds.set(id, g);
      replaceSet(access.directChannels, fresh.directChannels);
      replaceSet(access.friends, fresh.friends);
    },
    decide(event: BusEvent): Verdict {
      const s = parseSubject(event.subject);
      switch (s.kind) {
        case 'user':
          return s.userId === me ? deliverTo(ctx, event, guildOf(access, event)) : 'skip';
        case 'guild': {
          const verdict = guildVerdict(ctx, event, access.guilds.get(s.guildId), before.get(s.guildId));
          before.delete(s.guildId);
          return verdict;
        }
        case 'messages':
        case 'typing':
          return containerVisible(access, s.guildId, s.channelId, event.data)
            ? deliverTo(ctx, event, s.guildId === null ? undefined : access.guilds.get(s.guildId))
            : 'skip';
        case 'presenceGuild': {
          const g = access.guilds.get(s.guildId);
          return g && g.memberCount <= ctx.largeGuildMembers && !isMe(ctx, event.data) ? 'deliver' : 'skip';
        }
        case 'presenceUser':
          return s.userId === me || access.friends.has(s.userId) ? 'deliver' : 'skip';
        case 'other':
          return 'skip';
      }
    },
    screenReplay(events: BusEvent[]) {
      return screenHistory(ctx.run, ctx.principal, events, (guildId, channelId, containerId) =>
        guildId === null
          ? access.directChannels.has(containerId)
          : (access.guilds.get(guildId)?.history.has(channelId) ?? false),
      );
    },
  };
  return rules;
}

const guildOf = (access: ViewerAccess, event: BusEvent) =>
  typeof event.data.guildId === 'string' ? access.guilds.get(event.data.guildId) : undefined;

/** guildEvents: one guild's events; ends when the viewer leaves or loses the guild. */
export async function guildRules(ctx: RulesContext, guildId: string): Promise<FeedRules> {
  let guild = await requireGuild(ctx, guildId);
  let before: GuildAccess | undefined;
  return {
    patterns() {
      return [`guild.${guildId}`];
    },
    replayPatterns() {
      return [`guild.${guildId}`];
    },
    needsRefresh(event) {
      return changesGuildAccess(event, ctx.principal.userId);
    },
    async refresh(event) {
      before = guild;
      guild = (await ctx.reads.guild(ctx.run, ctx.principal, guildId, event.id)).guild ?? guild;
    },
    decide(event) {
      const end = guildEnd(ctx, event);
      if (end) return end;
      return guildVerdict(ctx, event, guild, before);
    },
  };
}

function guildEnd(ctx: RulesContext, event: BusEvent): DomainError | undefined {
  if (event.type === 'GuildDeleted') return ended('NOT_FOUND', 'The guild was deleted.', 'GUILD_DELETED');
  if (event.type === 'GuildMemberRemoved' && isMe(ctx, event.data)) {
    const reason = removalReason(event.data);
    return ended('FORBIDDEN', `You are no longer a member of this guild (${reason.toLowerCase()}).`, reason);
  }
  return undefined;
}

async function requireGuild(ctx: RulesContext, guildId: string): Promise<GuildAccess> {
  const { guild } = await ctx.reads.guild(ctx.run, ctx.principal, guildId);
  if (!guild) throw new DomainError('FORBIDDEN', 'Not a member of this guild.');
  return guild;
}

/**
 * channelEvents and messageCreated: one channel, DM or thread; ends when the viewer loses sight of it
 * (ACCESS_LOST, or LEFT a group DM), is removed from its guild (KICKED, BANNED, LEFT) or it is deleted.
 * `typing: false` leaves typing out (messageCreated carries messages only).
 */
export async function channelRules(
  ctx: RulesContext,
  container: Container,
  options: { typing: boolean } = { typing: true },
): Promise<FeedRules> {
  const { id, guildId, governingChannelId } = container;
  const where = guildId ?? 'dm';
  let sight = await sightOf(ctx, container);
  if (!sight.visible) throw new DomainError('FORBIDDEN', 'You cannot see this channel.');
  const control = guildId ? `guild.${guildId}` : `user.${ctx.principal.userId}`;
  return {
    patterns() {
      return [
        `channel.${where}.${id}.messages`,
        ...(options.typing ? [`typing.${where}.${id}`] : []),
        control,
      ];
    },
    replayPatterns() {
      return [`channel.${where}.${id}.messages`, control];
    },
    needsRefresh(event) {
      return guildId
        ? changesGuildAccess(event, ctx.principal.userId) && parseSubject(event.subject).kind === 'guild'
        : event.type === 'DirectChannelUpdated';
    },
    async refresh(event) {
      sight = await sightOf(ctx, container, event.id);
    },
    decide(event) {
      const s = parseSubject(event.subject);
      if (s.kind === 'messages' || s.kind === 'typing') return deliverTo(ctx, event, sight.guild);
      if (s.kind === 'guild') {
        const end = guildEnd(ctx, event);
        if (end) return end;
        if (event.type === 'ChannelDeleted' && event.data.channelId === governingChannelId)
          return ended('NOT_FOUND', 'The channel was deleted.', 'CHANNEL_DELETED');
      }
      if (!sight.visible)
        return guildId
          ? ended('FORBIDDEN', 'You can no longer see this channel.', 'ACCESS_LOST')
          : ended('FORBIDDEN', 'You left this conversation.', 'LEFT');
      return 'skip';
    },
    screenReplay(events) {
      return screenHistory(ctx.run, ctx.principal, events, () => sight.history);
    },
  };
}

/**
 * Whether the viewer can see the container now, and read its history (a thread follows its parent),
 * and their guild permissions (for what payloads show them). Only these are kept: one per subscription.
 */
async function sightOf(
  ctx: RulesContext,
  { id, guildId, governingChannelId }: Container,
  eventId?: string,
): Promise<{ visible: boolean; history: boolean; guild: { permissions: bigint } | undefined }> {
  const fresh = await ctx.reads.guild(ctx.run, ctx.principal, guildId ?? '0', eventId);
  if (guildId === null) {
    const participant = fresh.directChannels.has(id);
    return { visible: participant, history: participant, guild: undefined };
  }
  return {
    visible: fresh.guild?.channels.has(governingChannelId) ?? false,
    history: fresh.guild?.history.has(governingChannelId) ?? false,
    guild: fresh.guild && { permissions: fresh.guild.permissions },
  };
}

/** memberPresence: presence of listed members of one guild (a member list slice). */
export async function memberPresenceRules(
  ctx: RulesContext,
  guildId: string,
  userIds: string[],
): Promise<FeedRules> {
  await requireGuild(ctx, guildId);
  const wanted = new Set(userIds);
  return {
    patterns() {
      return [`presence.guild.${guildId}`, `guild.${guildId}`];
    },
    // Presence is live only, and a resume starts with a fresh snapshot of it: nothing to replay.
    replayPatterns() {
      return [];
    },
    needsRefresh() {
      return false;
    },
    refresh() {
      return Promise.resolve();
    },
    decide(event) {
      const s = parseSubject(event.subject);
      if (s.kind === 'presenceGuild') return wanted.has(event.data.userId as string) ? 'deliver' : 'skip';
      return guildEnd(ctx, event) ?? 'skip';
    },
  };
}

function replaceSet<T>(target: Set<T>, source: Set<T>): void {
  target.clear();
  for (const v of source) target.add(v);
}
