import { queryRows, type Database, type Transaction } from '@gochat/db';
import { profileImages, uploads } from '@gochat/drizzle';
import { validation } from '@gochat/errors';
import type { AttachmentRef } from '@gochat/message-store';
import { and, desc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';

import type { ProfileSlot, UploadKind } from './kinds.ts';

export type UploadRow = typeof uploads.$inferSelect;
export type NewUpload = typeof uploads.$inferInsert;
type Db = Database | Transaction;

/** At most this many files on one message, as in Discord and GoChat. */
export const MAX_ATTACHMENTS = 10;

export async function insertUpload(db: Db, row: NewUpload): Promise<UploadRow> {
  const [inserted] = await db.insert(uploads).values(row).returning();
  if (!inserted) throw new Error('insert into uploads returned no row');
  return inserted;
}

export async function findUpload(db: Db, id: string): Promise<UploadRow | undefined> {
  const [row] = await db.select().from(uploads).where(eq(uploads.id, id));
  return row;
}

export async function findUploads(db: Db, ids: readonly string[]): Promise<UploadRow[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(uploads)
    .where(inArray(uploads.id, [...ids]));
}

/**
 * Moves a pending upload of `ownerId` to processing (compare-and-set, so two completes never both
 * process). Returns the row when this call won, else undefined (the caller reads why).
 */
export async function startProcessing(db: Db, id: string, ownerId: string, leaseUntil: Date) {
  const [row] = await db
    .update(uploads)
    .set({ state: 'processing', expiresAt: leaseUntil })
    .where(and(eq(uploads.id, id), eq(uploads.ownerId, ownerId), eq(uploads.state, 'pending')))
    .returning();
  return row;
}

/** What processing learnt about the file. */
export type ProcessedFacts = Pick<
  UploadRow,
  | 'contentType'
  | 'disposition'
  | 'width'
  | 'height'
  | 'durationSeconds'
  | 'animated'
  | 'blurhash'
  | 'previews'
  | 'cleaned'
>;

/** Records the verified facts; ready only if still processing (a lease can be taken over). */
export async function finishProcessing(
  db: Db,
  id: string,
  facts: ProcessedFacts,
): Promise<UploadRow | undefined> {
  const [row] = await db
    .update(uploads)
    .set({ ...facts, state: 'ready', completedAt: new Date(), error: null })
    .where(and(eq(uploads.id, id), eq(uploads.state, 'processing')))
    .returning();
  return row;
}

/** Records why a file was refused; its objects are deleted by the caller, the row by the sweep. */
export async function failUpload(db: Db, id: string, error: string, keepUntil: Date): Promise<void> {
  await db
    .update(uploads)
    .set({ state: 'failed', error, expiresAt: keepUntil })
    .where(and(eq(uploads.id, id), inArray(uploads.state, ['pending', 'processing'])));
}

/** Processing uploads whose lease ran out (the processor died): taken over with a new lease. */
export async function takeOverStale(
  db: Db,
  now: Date,
  leaseUntil: Date,
  limit: number,
): Promise<Pick<UploadRow, 'id' | 'ownerId' | 'kind'>[]> {
  // id::text: raw rows skip the snowflake column's mapping (PGlite returns a bigint as a JS BigInt).
  return queryRows<Pick<UploadRow, 'id' | 'ownerId' | 'kind'>>(
    db,
    sql`/* uploads: stale processing */
    update uploads set expires_at = ${leaseUntil}
    where id in (select id from uploads where state = 'processing' and expires_at < ${now}
                 order by expires_at limit ${limit} for update skip locked)
    returning id::text as id, owner_id as "ownerId", kind`,
  );
}

/**
 * Claims the sender's ready attachment uploads for a new message, in the send's transaction: each must
 * be the caller's, for this container, ready and unused. Returns their references in the given order.
 */
export async function claimAttachments(
  tx: Transaction,
  claim: { ids: readonly string[]; ownerId: string; containerId: string; messageId: string },
): Promise<AttachmentRef[]> {
  const ids = [...new Set(claim.ids)];
  if (ids.length !== claim.ids.length)
    throw validation('attachmentIds: an upload is listed twice', 'attachmentIds');
  if (ids.length > MAX_ATTACHMENTS)
    throw validation(`attachmentIds: at most ${MAX_ATTACHMENTS} files per message`, 'attachmentIds');
  if (ids.length === 0) return [];
  const claimed = await tx
    .update(uploads)
    .set({ targetId: claim.messageId, usedAt: new Date() })
    .where(
      and(
        inArray(uploads.id, ids),
        eq(uploads.ownerId, claim.ownerId),
        eq(uploads.kind, 'attachment'),
        eq(uploads.channelId, claim.containerId),
        eq(uploads.state, 'ready'),
        isNull(uploads.targetId),
      ),
    )
    .returning();
  if (claimed.length !== ids.length) {
    const found = new Set(claimed.map((r) => r.id));
    const missing = ids.find((id) => !found.has(id));
    throw validation(
      `attachmentIds: ${missing} is not a finished upload of yours for this channel, or was already sent`,
      'attachmentIds',
    );
  }
  const byId = new Map(claimed.map((r) => [r.id, r]));
  return ids.map((id) => attachmentRef(byId.get(id)!));
}

export function attachmentRef(row: UploadRow): AttachmentRef {
  return {
    id: row.id,
    filename: row.filename,
    contentType: row.contentType ?? 'application/octet-stream',
    size: row.size,
    width: row.width,
    height: row.height,
    durationSeconds: row.durationSeconds,
    blurhash: row.blurhash,
    previews: row.previews,
    disposition: row.disposition === 'inline' ? 'inline' : 'attachment',
    cleaned: row.cleaned,
  };
}

/**
 * Claims one ready upload of `ownerId` of this kind for `targetId` (an emoji, a user's avatar, a
 * guild's icon or banner). `guildId` must match for guild kinds. VALIDATION names the field.
 */
export async function claimUpload(
  tx: Transaction,
  claim: { id: string; ownerId: string; kind: UploadKind; guildId?: string; targetId: string; field: string },
): Promise<UploadRow> {
  const [row] = await tx
    .update(uploads)
    .set({ targetId: claim.targetId, usedAt: new Date() })
    .where(
      and(
        eq(uploads.id, claim.id),
        eq(uploads.ownerId, claim.ownerId),
        eq(uploads.kind, claim.kind),
        eq(uploads.state, 'ready'),
        isNull(uploads.targetId),
        claim.guildId === undefined ? undefined : eq(uploads.guildId, claim.guildId),
      ),
    )
    .returning();
  if (!row)
    throw validation(
      `${claim.field}: not a finished ${claim.kind.replace('_', ' ')} upload of yours, or already used`,
      claim.field,
    );
  return row;
}

/**
 * Claims one of the user's ready, unused `avatar` uploads (an image within the avatar limits) as their
 * avatar in a guild, Discord's server profile avatar. Used by the guild: target and guild are the
 * guild's id, so it is no part of the user's avatar history (pruneAvatars) and the guild's deletion
 * releases it with the rest of the guild's files. VALIDATION names `field`.
 */
export async function claimGuildAvatar(
  tx: Transaction,
  claim: { id: string; userId: string; guildId: string; field: string },
): Promise<UploadRow> {
  const [row] = await tx
    .update(uploads)
    .set({ targetId: claim.guildId, guildId: claim.guildId, usedAt: new Date() })
    .where(
      and(
        eq(uploads.id, claim.id),
        eq(uploads.ownerId, claim.userId),
        eq(uploads.kind, 'avatar'),
        eq(uploads.state, 'ready'),
        isNull(uploads.targetId),
      ),
    )
    .returning();
  if (!row)
    throw validation(`${claim.field}: not a finished avatar upload of yours, or already used`, claim.field);
  return row;
}

/** The upload in a profile slot (a user's avatar, a guild's icon or banner), if any. */
export async function profileImage(
  db: Db,
  subjectId: string,
  slot: ProfileSlot,
): Promise<UploadRow | undefined> {
  const [row] = await db
    .select({ upload: uploads })
    .from(profileImages)
    .innerJoin(uploads, eq(uploads.id, profileImages.uploadId))
    .where(and(eq(profileImages.subjectId, subjectId), eq(profileImages.slot, slot)));
  return row?.upload;
}

/** The profile images of many subjects in one read (DataLoader batches). */
export async function profileImagesOf(db: Db, subjectIds: readonly string[], slot: ProfileSlot) {
  if (subjectIds.length === 0) return [];
  return db
    .select({ subjectId: profileImages.subjectId, upload: uploads })
    .from(profileImages)
    .innerJoin(uploads, eq(uploads.id, profileImages.uploadId))
    .where(and(inArray(profileImages.subjectId, [...subjectIds]), eq(profileImages.slot, slot)));
}

/** Puts an upload in a slot (null clears it). Returns the upload it replaced, if any. */
export async function setProfileImage(
  tx: Transaction,
  subjectId: string,
  slot: ProfileSlot,
  uploadId: string | null,
): Promise<string | undefined> {
  const [previous] = await tx
    .select({ uploadId: profileImages.uploadId })
    .from(profileImages)
    .where(and(eq(profileImages.subjectId, subjectId), eq(profileImages.slot, slot)))
    .for('update');
  if (uploadId === null)
    await tx
      .delete(profileImages)
      .where(and(eq(profileImages.subjectId, subjectId), eq(profileImages.slot, slot)));
  else
    await tx
      .insert(profileImages)
      .values({ subjectId, slot, uploadId })
      .onConflictDoUpdate({
        target: [profileImages.subjectId, profileImages.slot],
        set: { uploadId, updatedAt: new Date() },
      });
  return previous?.uploadId;
}

/** A user's avatars, newest first: the current one and the earlier ones still kept. */
export async function avatarHistory(db: Db, userId: string, limit: number): Promise<UploadRow[]> {
  return db
    .select()
    .from(uploads)
    .where(and(eq(uploads.targetId, userId), eq(uploads.kind, 'avatar'), eq(uploads.state, 'ready')))
    .orderBy(desc(uploads.usedAt))
    .limit(limit);
}

/** Which uploads an event made unused; `released` names the rows it marks. */
export type ReleaseScope =
  | { messageIds: readonly string[] }
  | { channelId: string }
  | { guildId: string }
  | { emojiId: string }
  | { uploadIds: readonly string[] };

/**
 * Marks the uploads an event made unused as released, so the sweep deletes their objects and rows.
 * Idempotent: redelivered events release nothing new.
 */
export async function release(db: Db, scope: ReleaseScope): Promise<string[]> {
  const where =
    'messageIds' in scope
      ? scope.messageIds.length
        ? and(eq(uploads.kind, 'attachment'), inArray(uploads.targetId, [...scope.messageIds]))
        : undefined
      : 'channelId' in scope
        ? or(eq(uploads.parentChannelId, scope.channelId), eq(uploads.channelId, scope.channelId))
        : 'guildId' in scope
          ? eq(uploads.guildId, scope.guildId)
          : 'emojiId' in scope
            ? and(eq(uploads.kind, 'emoji'), eq(uploads.targetId, scope.emojiId))
            : scope.uploadIds.length
              ? inArray(uploads.id, [...scope.uploadIds])
              : undefined;
  if (!where) return [];
  const rows = await db
    .update(uploads)
    .set({ state: 'released' })
    .where(and(where, sql`${uploads.state} <> 'released'`))
    .returning({ id: uploads.id });
  return rows.map((r) => r.id);
}

/** Pending uploads never completed, and failed ones kept for their error, past their time: released. */
export async function releaseExpired(db: Db, now: Date): Promise<number> {
  const rows = await db
    .update(uploads)
    .set({ state: 'released' })
    .where(and(inArray(uploads.state, ['pending', 'failed']), lt(uploads.expiresAt, now)))
    .returning({ id: uploads.id });
  return rows.length;
}

/** Released uploads whose objects are to be deleted, oldest first. */
export async function releasedUploads(db: Db, limit: number): Promise<{ id: string; kind: UploadKind }[]> {
  const rows = await db
    .select({ id: uploads.id, kind: uploads.kind })
    .from(uploads)
    .where(eq(uploads.state, 'released'))
    .orderBy(uploads.id)
    .limit(limit);
  return rows.map((r) => ({ id: r.id, kind: r.kind as UploadKind }));
}

/** Back to pending after an unexpected failure (the store was unreachable): completing again retries. */
export async function resetToPending(db: Db, id: string, expiresAt: Date): Promise<void> {
  await db
    .update(uploads)
    .set({ state: 'pending', expiresAt })
    .where(and(eq(uploads.id, id), eq(uploads.state, 'processing')));
}

/** Forgets released uploads once their objects are gone. */
export async function forgetUploads(db: Db, ids: readonly string[]): Promise<void> {
  if (ids.length)
    await db.delete(uploads).where(and(inArray(uploads.id, [...ids]), eq(uploads.state, 'released')));
}

/** Ready uploads of a kind used by these targets (emoji ids), for DataLoaders. */
export async function uploadsByTarget(
  db: Db,
  kind: UploadKind,
  targetIds: readonly string[],
): Promise<UploadRow[]> {
  if (targetIds.length === 0) return [];
  return db
    .select()
    .from(uploads)
    .where(
      and(eq(uploads.kind, kind), eq(uploads.state, 'ready'), inArray(uploads.targetId, [...targetIds])),
    );
}

/** Moves one of the user's earlier avatars back to the top of their history. */
export async function touchAvatar(tx: Transaction, uploadId: string, userId: string): Promise<boolean> {
  const rows = await tx
    .update(uploads)
    .set({ usedAt: new Date() })
    .where(
      and(
        eq(uploads.id, uploadId),
        eq(uploads.kind, 'avatar'),
        eq(uploads.targetId, userId),
        eq(uploads.state, 'ready'),
      ),
    )
    .returning({ id: uploads.id });
  return rows.length > 0;
}

/** Releases the user's avatars beyond the newest `keep` (the current one is always among them). */
export async function pruneAvatars(tx: Transaction, userId: string, keep: number): Promise<string[]> {
  const rows = await queryRows<{ id: string }>(
    tx,
    sql`/* uploads: avatar history */
    update uploads set state = 'released'
    where id in (select id from uploads
                 where target_id = ${userId} and kind = 'avatar' and state = 'ready'
                 order by used_at desc offset ${keep})
    returning id::text as id`,
  );
  return rows.map((r) => r.id);
}
