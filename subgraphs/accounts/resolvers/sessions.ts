import { notFound } from '@gochat/errors';

import type { Resolvers } from '../generated/resolvers.ts';
import { signedInUser } from './context.ts';
import { describeDevice } from './device.ts';

/**
 * The caller's own sessions (Discord's Devices): list them, end one, end all the others. Every ended
 * session row records SessionRevoked in the database (migration 0003, decision 0027), which closes
 * its WebSocket connections once the relay publishes it; kick wakes the relay.
 */
export const sessionsResolvers: Resolvers = {
  Query: {
    mySessions: async (_root, _args, ctx) => {
      const { userId, sessionId } = signedInUser(ctx.identity);
      const rows = await ctx.store.sessionsOf(userId);
      return rows.map((row) => ({
        ...row,
        device: describeDevice(row.userAgent),
        current: row.id === sessionId,
      }));
    },
  },

  Mutation: {
    revokeSession: async (_root, { id }, ctx) => {
      const { userId } = signedInUser(ctx.identity);
      // Scoped to the caller: another user's session id is as unknown as one that never existed.
      if (!(await ctx.store.deleteSession(userId, id))) throw notFound('Session');
      ctx.kick();
      return true;
    },

    revokeOtherSessions: async (_root, _args, ctx) => {
      const { userId, sessionId } = signedInUser(ctx.identity);
      // Without a session in the JWT there is no current one to keep: all of them end.
      const ended = await ctx.store.deleteOtherSessions(userId, sessionId);
      if (ended > 0) ctx.kick();
      return ended;
    },
  },
};
