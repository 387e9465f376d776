import { DomainError, unauthenticated } from '@gochat/errors';

import type { Resolvers } from '../generated/resolvers.ts';
import { signedInUser, type AccountsContext } from './context.ts';

/** The longest password sign-up accepts; anything longer cannot be the account's. */
const MAX_PASSWORD = 128;

const wrongPassword = () =>
  new DomainError('VALIDATION', 'The password is wrong.', { details: { field: 'password' } });

/** Whether `password` is the caller's, checked with better-auth's own hash function. */
async function passwordMatches(ctx: AccountsContext, userId: string, password: string): Promise<boolean> {
  if (password.length === 0 || password.length > MAX_PASSWORD) return false;
  const hash = await ctx.store.passwordHashOf(userId);
  if (!hash) return false;
  const auth = await ctx.auth.$context;
  return auth.password.verify({ hash, password });
}

/** deleteAccount (decision 0050): a password-confirmed, final scrub of the caller's account. */
export const deletionResolvers: Resolvers = {
  User: {
    deleted: (user) => user.deletedAt != null,
  },

  Mutation: {
    deleteAccount: async (_root, { password }, ctx) => {
      const { userId } = signedInUser(ctx.identity);
      // Password guesses with a stolen JWT count against the same budget as sign-in attempts.
      await ctx.rateLimit('sign-in');
      const me = await ctx.users.load(userId);
      if (!me || me.deletedAt) throw unauthenticated('This account no longer exists.');
      if (!(await passwordMatches(ctx, userId, password))) throw wrongPassword();
      await ctx.store.deleteAccount(userId);
      ctx.users.clear(userId);
      // The relay publishes SessionRevoked (sockets close), UserDeleted (guilds removes memberships).
      ctx.kick();
      return true;
    },
  },
};
