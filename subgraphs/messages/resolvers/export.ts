import { DomainError, forbidden, unauthenticated, validation } from '@gochat/errors';
import { isSnowflake, snowflakeTime } from '@gochat/ids';

import type { Resolvers } from '../generated/resolvers.ts';
import type { MessagesContext } from './context.ts';

const MAX_PAGE = 100;

function caller(ctx: MessagesContext): string {
  if (ctx.identity.kind !== 'user') throw unauthenticated();
  return ctx.identity.userId;
}

/**
 * DataExport.messages: the caller's own messages for the data package (decision 0050). Read by author
 * on the timeline, not through channel access: they are the caller's, wherever they were written.
 */
export const resolvers: Resolvers = {
  DataExport: {
    __resolveReference: (ref, ctx) => {
      if (ref.userId !== caller(ctx)) throw forbidden('Only your own data can be exported.');
      return ref;
    },
    messages: async (data, args, ctx) => {
      if (data.userId !== caller(ctx)) throw forbidden('Only your own data can be exported.');
      const limit = args.limit ?? MAX_PAGE;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE)
        throw validation(`limit: 1-${MAX_PAGE}`, 'limit');
      if (args.before != null && !isSnowflake(args.before)) throw validation('before: not an id', 'before');
      // Both stores serve it (PostgreSQL by index, ScyllaDB through messages_by_author); the port keeps
      // it optional, so a store without it is refused with a typed error rather than a crash.
      if (!ctx.timeline.authoredBy)
        throw new DomainError('SERVICE_UNAVAILABLE', 'Exporting messages is not available on this server.');
      // One more than asked tells whether another page follows.
      const rows = await ctx.timeline.authoredBy(data.userId, {
        ...(args.before != null ? { before: args.before } : {}),
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      return {
        messages: page.map((m) => ({
          id: m.id,
          channelId: m.channelId,
          parentChannelId: m.parentChannelId,
          guildId: m.guildId,
          content: m.content,
          createdAt: snowflakeTime(m.id),
          editedAt: m.editedAt,
          replyToId: m.replyToId,
          attachments: m.attachments.map((a) => a.filename),
        })),
        nextBefore: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
      };
    },
  },
};
