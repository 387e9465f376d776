import { guildAccess, permissionsInGuild } from '@gochat/channel-access';
import { notFound, validation } from '@gochat/errors';
import { newEvent, subjects } from '@gochat/events';
import { isSnowflake } from '@gochat/ids';
import { appendToOutbox } from '@gochat/outbox';
import { requirePermissions } from '@gochat/permissions';
import {
  VARIANT_SIZES,
  avatarHistory,
  claimUpload,
  pickSize,
  profileImage,
  pruneAvatars,
  publicVariantKey,
  release,
  setProfileImage,
  touchAvatar,
  type ProfileSlot,
  type UploadRow,
} from '@gochat/uploads';

import type { Resolvers } from '../generated/resolvers.ts';
import { callerId, type MediaContext } from './context.ts';

const id = (value: string, field: string): string => {
  if (!isSnowflake(value)) throw validation(`${field}: not a valid id`, field);
  return value;
};

/** The public URL of an image upload's variant closest to `size` (at least it, when there is one). */
export function variantUrl(ctx: MediaContext, upload: UploadRow | undefined, size: number): string | null {
  if (!upload) return null;
  if (!Number.isInteger(size) || size < 1 || size > 4096) throw validation('size: 1-4096 pixels', 'size');
  const made = upload.previews.map((p) => p.size);
  const chosen = pickSize(
    made.length ? made : VARIANT_SIZES[upload.kind as keyof typeof VARIANT_SIZES],
    size,
  );
  return chosen === undefined ? null : ctx.blob.publicUrl(publicVariantKey(upload.id, chosen));
}

async function setAvatar(ctx: MediaContext, uploadId: string | null | undefined) {
  const userId = callerId(ctx);
  await ctx.db.transaction(async (tx) => {
    if (uploadId != null) {
      const reused = await touchAvatar(tx, id(uploadId, 'uploadId'), userId);
      if (!reused)
        await claimUpload(tx, {
          id: uploadId,
          ownerId: userId,
          kind: 'avatar',
          targetId: userId,
          field: 'uploadId',
        });
    }
    await setProfileImage(tx, userId, 'avatar', uploadId ?? null);
    // History keeps the newest avatars; older ones go (their objects after commit, by the janitor).
    await pruneAvatars(tx, userId, ctx.settings.avatarHistory + 1);
    await appendToOutbox(tx, [newEvent('UserUpdated', subjects.user(userId), { userId })]);
  });
  ctx.kick();
  return { id: userId };
}

/** Icon or banner: a ready upload of that kind for this guild, by someone with MANAGE_GUILD. */
async function setGuildImage(
  ctx: MediaContext,
  guildId: string,
  uploadId: string | null | undefined,
  slot: ProfileSlot,
) {
  const userId = callerId(ctx);
  const facts = await guildAccess(ctx.db, id(guildId, 'guildId'), userId);
  if (!facts?.member) throw notFound('Guild');
  requirePermissions(permissionsInGuild(facts, userId), 'MANAGE_GUILD');
  await ctx.db.transaction(async (tx) => {
    if (uploadId != null)
      await claimUpload(tx, {
        id: id(uploadId, 'uploadId'),
        ownerId: userId,
        kind: slot,
        guildId,
        targetId: guildId,
        field: 'uploadId',
      });
    const previous = await setProfileImage(tx, guildId, slot, uploadId ?? null);
    if (previous && previous !== uploadId) await release(tx, { uploadIds: [previous] });
    const field = slot === 'guild_icon' ? 'icon' : 'banner';
    await appendToOutbox(tx, [
      newEvent('GuildUpdated', subjects.guild(guildId), { guildId, actorId: userId, fields: [field] }),
    ]);
  });
  ctx.kick();
  return { id: guildId };
}

export const resolvers: Resolvers = {
  Query: {
    avatarHistory: async (_, __, ctx) => {
      const userId = callerId(ctx);
      const [current, history] = await Promise.all([
        profileImage(ctx.db, userId, 'avatar'),
        avatarHistory(ctx.db, userId, ctx.settings.avatarHistory + 1),
      ]);
      return history.map((upload) => ({ upload, current: upload.id === current?.id }));
    },
  },
  Mutation: {
    setAvatar: (_, args, ctx) => setAvatar(ctx, args.uploadId),
    setGuildIcon: (_, args, ctx) => setGuildImage(ctx, args.guildId, args.uploadId, 'guild_icon'),
    setGuildBanner: (_, args, ctx) => setGuildImage(ctx, args.guildId, args.uploadId, 'guild_banner'),
  },
  Avatar: {
    id: ({ upload }) => upload.id,
    url: ({ upload }, { size }, ctx) => variantUrl(ctx, upload, size) ?? '',
    animated: ({ upload }) => upload.animated,
    setAt: ({ upload }) => upload.usedAt ?? upload.createdAt,
    current: ({ current }) => current,
  },
  User: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    avatarUrl: async ({ id: userId }, { size }, ctx) =>
      variantUrl(ctx, await ctx.loaders.avatar.load(userId), size),
  },
  Guild: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    iconUrl: async ({ id: guildId }, { size }, ctx) =>
      variantUrl(ctx, await ctx.loaders.guildIcon.load(guildId), size),
    bannerUrl: async ({ id: guildId }, { size }, ctx) =>
      variantUrl(ctx, await ctx.loaders.guildBanner.load(guildId), size),
  },
  Emoji: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    url: async ({ id: emojiId }, { size }, ctx) =>
      variantUrl(ctx, await ctx.loaders.emoji.load(emojiId), size),
  },
};
