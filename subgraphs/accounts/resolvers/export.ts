import { forbidden, unauthenticated } from '@gochat/errors';

import type { Resolvers } from '../generated/resolvers.ts';
import { signedInUser, type AccountsContext } from './context.ts';

/** The account part of the caller's data package, as the JSON text DataExport.account carries. */
async function accountDocument(ctx: AccountsContext, userId: string): Promise<string> {
  const me = await ctx.users.load(userId);
  if (!me || me.deletedAt) throw unauthenticated('This account no longer exists.');
  const [settings, relationships] = await Promise.all([
    ctx.store.exportedSettingsOf(userId),
    ctx.store.relationships(userId),
  ]);
  const others = await ctx.users.loadMany(relationships.map((r) => r.userId));
  return JSON.stringify({
    profile: {
      id: me.id,
      displayName: me.name,
      handle: me.handle,
      email: me.email,
      emailVerified: me.emailVerified,
      createdAt: me.createdAt.toISOString(),
    },
    settings: settings ? { version: settings.version, document: settings.document } : null,
    relationships: relationships.map((r, i) => {
      const other = others[i];
      const known = other && !(other instanceof Error) ? other : undefined;
      return {
        userId: r.userId,
        displayName: known?.name ?? null,
        handle: known?.handle ?? null,
        status: r.status,
        since: r.since.toISOString(),
      };
    }),
  });
}

const exportOf = async (ctx: AccountsContext, userId: string) => ({
  userId,
  generatedAt: new Date(),
  account: await accountDocument(ctx, userId),
});

/**
 * myDataExport: the caller's data package. Only ever the caller's own: the entity resolves for the
 * caller's id alone, whoever names another.
 */
export const exportResolvers: Resolvers = {
  DataExport: {
    __resolveReference: (ref, ctx) => {
      const { userId } = signedInUser(ctx.identity);
      if (ref.userId !== userId) throw forbidden('Only your own data can be exported.');
      return exportOf(ctx, userId);
    },
  },

  Query: {
    myDataExport: (_root, _args, ctx) => exportOf(ctx, signedInUser(ctx.identity).userId),
  },
};
