import { notFound, parseInput, unauthenticated, validation } from '@gochat/errors';
import DataLoader from 'dataloader';
import { z } from 'zod';

import { loadGuild, readableGuild, requireGuildPermission } from '../access.ts';
import type { Resolvers } from '../generated/resolvers.ts';
import type { EmojiRow } from '../store/rows.ts';
import { committed, id, signedIn, type GuildsContext } from './context.ts';
import { parseReason } from './input.ts';

const name = z
  .string()
  .min(2, 'at least 2 characters')
  .max(32, 'at most 32 characters')
  .regex(/^[A-Za-z0-9_]+$/, "only letters, digits and '_'");
const emojiInput = z.object({
  name,
  assetRef: z.string().min(1, 'must not be empty').max(512, 'at most 512 characters'),
  animated: z.boolean(),
});

/** Per-request batching of emoji reads (federation resolves many references at once). */
const emojiLoaders = new WeakMap<GuildsContext, DataLoader<string, EmojiRow | undefined>>();
function emojiLoader(ctx: GuildsContext): DataLoader<string, EmojiRow | undefined> {
  let loader = emojiLoaders.get(ctx);
  if (!loader) {
    loader = new DataLoader(async (keys: readonly string[]) => {
      const rows = new Map((await ctx.store.emojisByIds(keys)).map((r) => [r.id, r]));
      return keys.map((key) => rows.get(key));
    });
    emojiLoaders.set(ctx, loader);
  }
  return loader;
}

/**
 * An emoji for members of the guild it belongs to, who may use it anywhere (or a router hydration
 * scoped to one of that guild's channels). NOT_FOUND or FORBIDDEN otherwise.
 */
async function readableEmoji(ctx: GuildsContext, emojiId: string): Promise<EmojiRow> {
  if (ctx.identity.kind === 'anonymous') throw unauthenticated();
  const emoji = await emojiLoader(ctx).load(id(emojiId, 'id'));
  if (!emoji) throw notFound('Emoji');
  await readableGuild(ctx, emoji.guildId);
  return emoji;
}

/** The emoji and the caller's right to manage it: NOT_FOUND, then FORBIDDEN without MANAGE_EMOJIS there. */
async function manageableEmoji(ctx: GuildsContext, emojiId: string): Promise<EmojiRow> {
  const emojiKey = id(emojiId, 'id');
  signedIn(ctx);
  const [emoji] = await ctx.store.emojisByIds([emojiKey]);
  if (!emoji) throw notFound('Emoji');
  await requireGuildPermission(ctx, emoji.guildId, 'MANAGE_EMOJIS');
  return emoji;
}

export const emojisResolvers: Resolvers = {
  Guild: {
    emojis: (guild, _args, ctx) => ctx.store.emojisOfGuild(guild.id),
  },

  Emoji: {
    __resolveReference: (ref, ctx) => readableEmoji(ctx, ref.id),
    guild: (emoji, _args, ctx) => loadGuild(ctx, emoji.guildId),
    creator: (emoji) => (emoji.creatorId ? { id: emoji.creatorId } : null),
    imageAvailable: (emoji) => emoji.assetRef.startsWith('upload:'),
  },

  Query: {
    emoji: (_root, args, ctx) => readableEmoji(ctx, args.id),
  },

  Mutation: {
    createEmoji: async (_root, args, ctx) => {
      const guildId = id(args.guildId, 'guildId');
      const access = await requireGuildPermission(ctx, guildId, 'MANAGE_EMOJIS');
      const uploadId = args.input.uploadId == null ? undefined : id(args.input.uploadId, 'uploadId');
      if ((uploadId === undefined) === (args.input.assetRef == null))
        throw validation('input: give either uploadId or assetRef', 'uploadId');
      const input = parseInput(
        emojiInput,
        {
          name: args.input.name,
          assetRef: uploadId ? `upload:${uploadId}` : args.input.assetRef,
          animated: args.input.animated ?? false,
        },
        'input',
      );
      const reason = parseReason(args.reason);
      return committed(
        ctx,
        ctx.store.createEmoji({ guildId, creatorId: access.userId, ...input, uploadId, reason }),
      );
    },

    renameEmoji: async (_root, args, ctx) => {
      const emoji = await manageableEmoji(ctx, args.id);
      const newName = parseInput(name, args.name, 'name');
      const reason = parseReason(args.reason);
      return committed(ctx, ctx.store.renameEmoji(emoji.id, newName, signedIn(ctx), reason));
    },

    deleteEmoji: async (_root, args, ctx) => {
      const emoji = await manageableEmoji(ctx, args.id);
      const reason = parseReason(args.reason);
      await committed(ctx, ctx.store.deleteEmoji(emoji.id, signedIn(ctx), reason));
      return emoji.id;
    },
  },
};
