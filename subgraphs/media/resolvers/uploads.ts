import { permissionsIn, permissionsInGuild, guildAccess } from '@gochat/channel-access';
import { forbidden, notFound, validation } from '@gochat/errors';
import { isSnowflake } from '@gochat/ids';
// Not the package's index: that loads sharp, which only processing needs (the monolith starts lighter).
import { checkFilename } from '@gochat/media-processing/filename';
import { PERMISSIONS, has, requirePermissions, type PermissionName } from '@gochat/permissions';
import {
  PUBLIC_KINDS,
  findUpload,
  insertUpload,
  originalKey,
  startProcessing,
  type UploadKind,
  type UploadRow,
} from '@gochat/uploads';

import type { Resolvers } from '../generated/resolvers.ts';
import { PROCESSING_LEASE_MS } from '../processing/processor.ts';
import { callerId, type MediaContext } from './context.ts';

const id = (value: string | null | undefined, field: string): string => {
  if (!value || !isSnowflake(value)) throw validation(`${field}: not a valid id`, field);
  return value;
};

/** The GraphQL enum value of a stored kind and back. */
export const kindOf = (graphql: string) => graphql.toLowerCase() as UploadKind;

const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i;

function limitFor(ctx: MediaContext, kind: UploadKind): number {
  const { limits } = ctx.settings;
  if (kind === 'attachment') return limits.attachmentBytes;
  if (kind === 'avatar') return limits.avatarBytes;
  if (kind === 'emoji') return limits.emojiBytes;
  return limits.iconBytes;
}

/** ATTACHMENT: whoever may send files in the container (ATTACH_FILES, or a DM participant). */
async function attachmentScope(ctx: MediaContext, userId: string, channelId: string) {
  const facts = await ctx.access.channelAccess(id(channelId, 'channelId'), userId);
  if (!facts) throw notFound('Channel');
  const bits = permissionsIn(facts, userId);
  if (!has(bits, PERMISSIONS.VIEW_CHANNEL)) throw forbidden('Not allowed to view this channel.');
  const send: PermissionName = facts.thread ? 'SEND_MESSAGES_IN_THREADS' : 'SEND_MESSAGES';
  requirePermissions(bits, send, 'ATTACH_FILES');
  if (facts.blocked) throw forbidden('You cannot message this user.');
  if (facts.kind === 'voice' || facts.kind === 'category')
    throw validation(`channelId: a ${facts.kind} channel holds no messages`, 'channelId');
  return { channelId, parentChannelId: facts.channelId, guildId: facts.guildId };
}

/** GUILD_ICON and GUILD_BANNER need MANAGE_GUILD, EMOJI needs MANAGE_EMOJIS, in that guild. */
async function guildScope(ctx: MediaContext, userId: string, guildId: string, kind: UploadKind) {
  const facts = await guildAccess(ctx.db, id(guildId, 'guildId'), userId);
  if (!facts?.member) throw notFound('Guild');
  requirePermissions(permissionsInGuild(facts, userId), kind === 'emoji' ? 'MANAGE_EMOJIS' : 'MANAGE_GUILD');
  return { channelId: null, parentChannelId: null, guildId };
}

async function createUpload(
  ctx: MediaContext,
  input: {
    kind: string;
    filename: string;
    contentType: string;
    size: number;
    channelId?: string | null;
    guildId?: string | null;
  },
) {
  const userId = callerId(ctx);
  const kind = kindOf(input.kind);
  const filename = checkFilename(input.filename);
  const contentType = input.contentType.trim().toLowerCase();
  if (!CONTENT_TYPE.test(contentType)) throw validation('contentType: not a MIME type', 'contentType');
  if (PUBLIC_KINDS.has(kind) && !contentType.startsWith('image/'))
    throw validation(`contentType: a ${input.kind.toLowerCase()} must be an image`, 'contentType');
  const max = limitFor(ctx, kind);
  if (!Number.isInteger(input.size) || input.size < 1) throw validation('size: at least 1 byte', 'size');
  if (input.size > max) throw validation(`size: at most ${max} bytes for this kind`, 'size');
  const scope =
    kind === 'attachment'
      ? await attachmentScope(ctx, userId, input.channelId ?? '')
      : kind === 'avatar'
        ? { channelId: null, parentChannelId: null, guildId: null }
        : await guildScope(ctx, userId, input.guildId ?? '', kind);
  const ttl = ctx.settings.uploadTtlSeconds;
  const upload = await insertUpload(ctx.db, {
    id: ctx.ids.next(),
    ownerId: userId,
    kind,
    filename,
    declaredType: contentType,
    size: input.size,
    ...scope,
    expiresAt: new Date(Date.now() + ttl * 1_000),
  });
  const target = await ctx.blob.presignPut(originalKey(upload.id), {
    contentType,
    contentLength: input.size,
    expiresInSeconds: ttl,
  });
  return {
    upload,
    url: target.url,
    method: target.method,
    headers: Object.entries(target.headers).map(([name, value]) => ({ name, value })),
    expiresAt: target.expiresAt,
  };
}

/** The caller's own upload; anyone else's is NOT_FOUND, so ids reveal nothing. */
async function ownUpload(ctx: MediaContext, uploadId: string): Promise<UploadRow> {
  const userId = callerId(ctx);
  const row = await findUpload(ctx.db, id(uploadId, 'id'));
  if (!row || row.ownerId !== userId || row.state === 'released') throw notFound('Upload');
  return row;
}

async function completeUpload(ctx: MediaContext, uploadId: string): Promise<UploadRow> {
  const row = await ownUpload(ctx, uploadId);
  if (row.state === 'ready' || row.state === 'processing')
    throw validation('id: this upload was already completed', 'id');
  if (row.state === 'failed')
    throw validation(`id: this upload was refused: ${row.error ?? 'unknown'}`, 'id');
  if (row.expiresAt.getTime() < Date.now())
    throw validation('id: this upload expired; create a new one', 'id');
  // Before the bytes arrived the upload stays pending: completing again after the PUT works.
  if (!(await ctx.blob.head(originalKey(row.id))))
    throw validation('file: nothing was uploaded yet; PUT the bytes first', 'file');
  const started = await startProcessing(
    ctx.db,
    row.id,
    row.ownerId,
    new Date(Date.now() + PROCESSING_LEASE_MS),
  );
  if (!started) throw validation('id: this upload was already completed', 'id');
  return ctx.processor.complete(started);
}

const STATE = {
  pending: 'PENDING',
  processing: 'PROCESSING',
  ready: 'READY',
  failed: 'FAILED',
  released: 'FAILED',
};

export const resolvers: Resolvers = {
  Query: {
    upload: async (_, args, ctx) => {
      try {
        return await ownUpload(ctx, args.id);
      } catch (error) {
        if (error instanceof Error && 'code' in error && error.code === 'NOT_FOUND') return null;
        throw error;
      }
    },
  },
  Mutation: {
    createUpload: (_, { input }, ctx) => createUpload(ctx, input),
    completeUpload: (_, args, ctx) => completeUpload(ctx, args.id),
  },
  Upload: {
    kind: (row) => row.kind.toUpperCase() as never,
    state: (row) => STATE[row.state as keyof typeof STATE] as never,
    contentType: (row) => row.contentType ?? row.declaredType,
    previews: (row) => row.previews,
    expiresAt: (row) => (row.state === 'pending' ? row.expiresAt : null),
  },
};
