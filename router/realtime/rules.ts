import { DomainError } from '@gochat/errors';
import { subjectPatterns, subjects } from '@gochat/events';
import { PERMISSIONS, has } from '@gochat/permissions';

import { changesGuildAccess, changesUserAccess, governingChannel } from '../live/access-events.ts';
import { loadAccess, type GuildAccess, type ViewerAccess } from '../live/access.ts';
import { deliverTo, guildEnd, type RulesContext } from '../live/channel-rules.ts';
import type { LiveEvent } from '../live/event.ts';
import type { FeedRules, Verdict } from '../live/feed.ts';
import { screenHistory } from '../live/replay-screen.ts';

export { channelRules, type RulesContext } from '../live/channel-rules.ts';

/** Guild events a member sees, given their access before and after the event. */
function guildVerdict(
  ctx: RulesContext,
  event: LiveEvent,
  now: GuildAccess | undefined,
  before: GuildAccess | undefined,
): Verdict {
  if (event.type === 'ChannelCreated')
    return now?.channels.has(event.data.channelId) ? deliverTo(ctx, event, now) : 'skip';
  if (event.type === 'ChannelUpdated' || event.type === 'ChannelDeleted') {
    // Also to those who just lost sight of it, so their client hides it.
    const channel = event.data.channelId;
    return now?.channels.has(channel) || before?.channels.has(channel)
      ? deliverTo(ctx, event, now ?? before)
      : 'skip';
  }
  if (event.type === 'VoiceStateUpdated') {
    // Those who can see the call's channel (now or the one left), and the user themself.
    const { channelId, previousChannelId, userId } = event.data;
    const sees = (id: string | null) => id !== null && (now?.channels.has(id) ?? false);
    return now && (sees(channelId) || sees(previousChannelId) || userId === ctx.principal.userId)
      ? deliverTo(ctx, event, now)
      : 'skip';
  }
  if (event.type === 'VoiceRoomMigrating')
    return now?.channels.has(event.data.channelId) ? deliverTo(ctx, event, now) : 'skip';
  if (event.type === 'InviteCreated' || event.type === 'InviteDeleted')
    return now && has(now.permissions, PERMISSIONS.MANAGE_GUILD) ? deliverTo(ctx, event, now) : 'skip';
  if (event.type === 'GuildBanAdded' || event.type === 'GuildBanRemoved')
    return now && has(now.permissions, PERMISSIONS.BAN_MEMBERS) ? deliverTo(ctx, event, now) : 'skip';
  return now || before ? deliverTo(ctx, event, now ?? before) : 'skip';
}

function containerVisible(
  access: ViewerAccess,
  guildId: string | null,
  containerId: string,
  event: LiveEvent,
): boolean {
  if (guildId === null) return access.directChannels.has(containerId);
  return access.guilds.get(guildId)?.channels.has(governingChannel(event, containerId)) ?? false;
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
      const p: string[] = [subjects.user(me), subjects.presenceUser(me)];
      for (const [id, g] of access.guilds) {
        p.push(subjects.guild(id), subjectPatterns.guildChannels(id), subjectPatterns.guildTyping(id));
        if (g.memberCount <= ctx.largeGuildMembers) p.push(subjects.presenceGuild(id));
      }
      for (const id of access.directChannels)
        p.push(subjects.channelMessages(null, id), subjects.typing(null, id));
      for (const id of access.friends) p.push(subjects.presenceUser(id));
      return p;
    },
    replayPatterns() {
      const p: string[] = [subjects.user(me)];
      for (const id of access.guilds.keys()) p.push(subjects.guild(id), subjectPatterns.guildChannels(id));
      for (const id of access.directChannels) p.push(subjects.channelMessages(null, id));
      return p;
    },
    needsRefresh(event: LiveEvent) {
      const s = event.at;
      if (s.kind === 'user') return s.userId === me && changesUserAccess(event);
      return s.kind === 'guild' && access.guilds.has(s.guildId) && changesGuildAccess(event, me);
    },
    async refresh(event: LiveEvent) {
      const s = event.at;
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
    decide(event: LiveEvent): Verdict {
      const s = event.at;
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
          return containerVisible(access, s.guildId, s.channelId, event)
            ? deliverTo(ctx, event, s.guildId === null ? undefined : access.guilds.get(s.guildId))
            : 'skip';
        case 'presenceGuild': {
          const g = access.guilds.get(s.guildId);
          return g && g.memberCount <= ctx.largeGuildMembers && !isPresenceOf(event, me) ? 'deliver' : 'skip';
        }
        case 'presenceUser':
          return s.userId === me || access.friends.has(s.userId) ? 'deliver' : 'skip';
        case 'other':
          return 'skip';
      }
    },
    screenReplay(events: LiveEvent[]) {
      return screenHistory(ctx.run, ctx.principal, events, (guildId, channelId, containerId) =>
        guildId === null
          ? access.directChannels.has(containerId)
          : (access.guilds.get(guildId)?.history.has(channelId) ?? false),
      );
    },
  };
  return rules;
}

const guildOf = (access: ViewerAccess, event: LiveEvent) =>
  'guildId' in event.data && typeof event.data.guildId === 'string'
    ? access.guilds.get(event.data.guildId)
    : undefined;

const isPresenceOf = (event: LiveEvent, userId: string) =>
  event.type === 'PresenceUpdated' && event.data.userId === userId;

/** guildEvents: one guild's events; ends when the viewer leaves or loses the guild. */
export async function guildRules(ctx: RulesContext, guildId: string): Promise<FeedRules> {
  let guild = await requireGuild(ctx, guildId);
  let before: GuildAccess | undefined;
  const patterns = [subjects.guild(guildId)];
  return {
    patterns() {
      return patterns;
    },
    replayPatterns() {
      return patterns;
    },
    needsRefresh(event) {
      return changesGuildAccess(event, ctx.principal.userId);
    },
    async refresh(event) {
      before = guild;
      guild = (await ctx.reads.guild(ctx.run, ctx.principal, guildId, event.id)).guild ?? guild;
    },
    decide(event) {
      return guildEnd(ctx, event) ?? guildVerdict(ctx, event, guild, before);
    },
  };
}

async function requireGuild(ctx: RulesContext, guildId: string): Promise<GuildAccess> {
  const { guild } = await ctx.reads.guild(ctx.run, ctx.principal, guildId);
  if (!guild) throw new DomainError('FORBIDDEN', 'Not a member of this guild.');
  return guild;
}

/** memberPresence: presence of listed members of one guild (a member list slice). */
export async function memberPresenceRules(
  ctx: RulesContext,
  guildId: string,
  userIds: string[],
): Promise<FeedRules> {
  await requireGuild(ctx, guildId);
  const wanted = new Set(userIds);
  const patterns = [subjects.presenceGuild(guildId), subjects.guild(guildId)];
  return {
    patterns() {
      return patterns;
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
      if (event.at.kind === 'presenceGuild')
        return event.type === 'PresenceUpdated' && wanted.has(event.data.userId) ? 'deliver' : 'skip';
      return guildEnd(ctx, event) ?? 'skip';
    },
  };
}

function replaceSet<T>(target: Set<T>, source: Set<T>): void {
  target.clear();
  for (const v of source) target.add(v);
}
