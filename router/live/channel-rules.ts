import { DomainError } from '@gochat/errors';
import { subjects } from '@gochat/events';

import type { Principal } from '../principal.ts';
import { changesGuildAccess, removalReason } from './access-events.ts';
import type { AccessReads } from './access.ts';
import type { Container } from './container.ts';
import type { LiveEvent } from './event.ts';
import type { FeedRules, Verdict } from './feed.ts';
import { viewOf } from './redaction.ts';
import { screenHistory } from './replay-screen.ts';
import type { Runner } from './runner.ts';

export interface RulesContext {
  run: Runner;
  principal: Principal & { kind: 'user' };
  largeGuildMembers: number;
  /** Access reads shared by the user's feeds on this router that refresh after the same event. */
  reads: AccessReads;
}

export const ended = (code: 'FORBIDDEN' | 'NOT_FOUND', message: string, reason: string) =>
  new DomainError(code, message, { details: { reason } });

/** 'deliver', or the viewer's redacted version of the event (decision 0023). */
export const deliverTo = (
  ctx: RulesContext,
  event: LiveEvent,
  guild: Parameters<typeof viewOf>[2],
): Verdict => viewOf(event, ctx.principal.userId, guild) ?? 'deliver';

/** How a guild feed ends for the viewer: the guild was deleted, or they were removed from it. */
export function guildEnd(ctx: RulesContext, event: LiveEvent): DomainError | undefined {
  if (event.type === 'GuildDeleted') return ended('NOT_FOUND', 'The guild was deleted.', 'GUILD_DELETED');
  if (event.type === 'GuildMemberRemoved' && event.data.userId === ctx.principal.userId) {
    const reason = removalReason(event.data);
    return ended('FORBIDDEN', `You are no longer a member of this guild (${reason.toLowerCase()}).`, reason);
  }
  return undefined;
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
  let sight = await sightOf(ctx, container);
  if (!sight.visible) throw new DomainError('FORBIDDEN', 'You cannot see this channel.');
  const messages = subjects.channelMessages(guildId, id);
  const control = guildId ? subjects.guild(guildId) : subjects.user(ctx.principal.userId);
  const live = options.typing ? [messages, subjects.typing(guildId, id), control] : [messages, control];
  const stored = [messages, control];
  return {
    patterns() {
      return live;
    },
    replayPatterns() {
      return stored;
    },
    needsRefresh(event) {
      return guildId
        ? event.at.kind === 'guild' && changesGuildAccess(event, ctx.principal.userId)
        : event.type === 'DirectChannelUpdated';
    },
    async refresh(event) {
      sight = await sightOf(ctx, container, event.id);
    },
    decide(event) {
      const kind = event.at.kind;
      if (kind === 'messages' || kind === 'typing') return deliverTo(ctx, event, sight.guild);
      if (kind === 'guild') {
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
