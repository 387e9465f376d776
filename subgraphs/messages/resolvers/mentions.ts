import { notFound, parseInput, unauthenticated } from '@gochat/errors';
import type { TimelineMessage } from '@gochat/message-store';
import { z } from 'zod';

import { id } from '../access.ts';
import type { Resolvers } from '../generated/resolvers.ts';
import type { MessagesContext } from './context.ts';

/** A page of the mentions inbox: 1-100 messages. */
const pageSize = z.number().int().min(1, 'at least 1').max(100, 'at most 100');

/**
 * The caller's mentions inbox, newest first: the mention rows where the caller may read now (decided
 * at query time, so a channel they lost access to drops out), then the messages themselves.
 */
async function recentMentions(
  ctx: MessagesContext,
  args: { guildId?: string | null; before?: string | null; limit?: number | null },
): Promise<TimelineMessage[]> {
  // Personal: scoped router hydrations have no inbox.
  if (ctx.identity.kind !== 'user') throw unauthenticated();
  const { userId } = ctx.identity;
  const limit = parseInput(pageSize, args.limit ?? 25, 'limit');
  const guildId = args.guildId == null ? null : id(args.guildId, 'guildId');
  const before = args.before == null ? null : id(args.before, 'before');
  const scope = await ctx.stores.mentions.inboxScope(userId, guildId);
  // Not a member: the guild is not revealed.
  if (!scope) throw notFound('Guild');
  const entries = await ctx.stores.mentions.recent(userId, scope, before, limit);
  const found = await ctx.loaders.message.loadMany(entries.map((e) => `${e.channelId}:${e.messageId}`));
  // Mention rows go with their message, so a missing one was deleted just now; rows written before
  // authors were recorded may still name the caller's own message.
  const failed = found.find((m) => m instanceof Error);
  if (failed) throw failed;
  return found.filter(
    (m): m is TimelineMessage => m !== undefined && !(m instanceof Error) && m.authorId !== userId,
  );
}

export const resolvers: Resolvers = {
  Query: {
    recentMentions: (_root, args, ctx) => recentMentions(ctx, args),
  },
};
