import { validation } from '@gochat/errors';
import { VARIANT_SIZES, pickSize, publicVariantKey } from '@gochat/uploads';

import { guildAccess } from '../access.ts';
import type { Resolvers } from '../generated/resolvers.ts';
import { committed, id, memberKey, type GuildsContext } from './context.ts';

/**
 * Members' avatars in a guild (Discord's server profile avatar). The upload is made in the media
 * subgraph (kind AVATAR: an image within the avatar limits, its public variants written) and claimed
 * here, in the membership's transaction, as an emoji's image is (decision 0043).
 */

/**
 * The public URL of the guild avatar's variant closest to `size`, as media's User.avatarUrl makes it:
 * every avatar upload has all VARIANT_SIZES.avatar variants, so the id is enough.
 */
function avatarUrl(ctx: GuildsContext, uploadId: string | null, size: number): string | null {
  if (!Number.isInteger(size) || size < 1 || size > 4096) throw validation('size: 1-4096 pixels', 'size');
  if (!uploadId) return null;
  if (!ctx.blob) throw new Error('guilds role started without a blob store');
  const chosen = pickSize(VARIANT_SIZES.avatar, size);
  return chosen === undefined ? null : ctx.blob.publicUrl(publicVariantKey(uploadId, chosen));
}

export const memberAvatarsResolvers: Resolvers = {
  Member: {
    // The column comes with every membership read, Message.member's batch statement included.
    avatarUrl: (member, { size }, ctx) => avatarUrl(ctx, member.avatarUploadId, size),
  },
  Mutation: {
    /** Only the caller's own membership: there is no userId to name another's. */
    setGuildAvatar: async (_root, args, ctx) => {
      const guildId = id(args.guildId, 'guildId');
      const uploadId = args.uploadId == null ? null : id(args.uploadId, 'uploadId');
      const { userId } = await guildAccess(ctx, guildId);
      const member = await committed(ctx, ctx.store.setMemberAvatar(guildId, userId, uploadId));
      const key = memberKey(guildId, userId);
      ctx.loaders.member.clear(key).prime(key, member);
      return member;
    },
  },
};
