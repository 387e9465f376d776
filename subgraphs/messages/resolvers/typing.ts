import crypto from 'node:crypto';

import { newEvent, subjects } from '@gochat/events';

import { id, sendable } from '../access.ts';
import type { Resolvers } from '../generated/resolvers.ts';
import type { MessagesContext } from './context.ts';

/** How long clients show the user typing after one event. */
export const TYPING_SHOWN_MS = 10_000;
/** At most one event per user and container in this window; calls within it publish nothing. */
export const TYPING_THROTTLE_MS = 5_000;

/**
 * Shows the caller typing where they may send (sendMessage's checks: permissions, timeouts, blocks,
 * locked threads, containers that hold messages). Publishes TypingStarted live-only, at most once
 * per TYPING_THROTTLE_MS per user and container.
 */
async function startTyping(ctx: MessagesContext, args: { channelId: string }): Promise<boolean> {
  const { facts, containerId, userId } = await sendable(ctx, id(args.channelId, 'channelId'));
  if (!(await ctx.typing.claim(containerId, userId, TYPING_THROTTLE_MS))) return true;
  const now = Date.now();
  const event = newEvent('TypingStarted', subjects.typing(facts.guildId, containerId), {
    guildId: facts.guildId,
    channelId: containerId,
    parentChannelId: facts.channelId,
    userId,
    expiresAt: new Date(now + TYPING_SHOWN_MS).toISOString(),
  });
  try {
    await ctx.typing.publish({ ...event, id: crypto.randomUUID(), occurredAt: new Date(now).toISOString() });
  } catch (error) {
    // Nothing went out: let the client's next call try again instead of waiting out the window.
    await ctx.typing.release(containerId, userId);
    throw error;
  }
  return true;
}

export const resolvers: Resolvers = {
  Mutation: {
    startTyping: (_root, args, ctx) => startTyping(ctx, args),
  },
};
