import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { createDiskBlobStore, urlSigningKey, type BlobStore } from '@gochat/blob-store';
import type { BusEvent, EventBus } from '@gochat/bus';
import { openDatabase, type Database } from '@gochat/db';
import { newEvent, subjects, type EventPayloads, type EventType } from '@gochat/events';
import { createSnowflakeGenerator } from '@gochat/ids';
import { Lifecycle } from '@gochat/lifecycle';
import { createMetricsRegistry, silentLogger, type Registry } from '@gochat/log';
import { createTestDatabase, dropTestDatabase } from '@gochat/testkit';
import {
  PUBLIC_KINDS,
  VARIANT_SIZES,
  cleanedKey,
  findUploads,
  insertUpload,
  originalKey,
  previewKey,
  publicVariantKey,
  pruneAvatars,
  release,
  type NewUpload,
  type UploadKind,
} from '@gochat/uploads';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { mediaJanitorConfigSchema } from './config.ts';
import { createMediaJanitorWorkerRole } from './role.ts';
import { MEDIA_JANITOR, sweepExpired } from './worker.ts';

export interface JanitorSuiteInfrastructure {
  /** A new bus (its own stream on NATS). */
  openBus(): Promise<EventBus>;
  /** PostgreSQL's admin URL for a fresh database, or null for PGlite. */
  postgresAdminUrl: string | null;
}

const HOUR = 3_600_000;
const WAIT = { timeout: 15_000, interval: 50 };

/** A migrated database: PGlite in a temporary directory, or a fresh one on the server. */
async function openTestDatabase(adminUrl: string | null): Promise<{ db: Database; close(): Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-janitor-db-'));
  const url = adminUrl ? await createTestDatabase(adminUrl) : undefined;
  const handle = await openDatabase({ url, dataDir, poolSize: 4, log: silentLogger });
  await handle.migrate();
  return {
    db: handle.db,
    close: async () => {
      await handle.close();
      if (url && adminUrl) await dropTestDatabase(adminUrl, url);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An event as the outbox relay publishes it, its payload checked against the catalogue. */
function busEvent<T extends EventType>(
  type: T,
  subject: ReturnType<typeof subjects.user>,
  data: EventPayloads[T],
): BusEvent {
  const event = newEvent(type, subject, data);
  return {
    id: randomUUID(),
    type: event.type,
    subject: event.subject,
    occurredAt: new Date().toISOString(),
    data: event.data,
  };
}

async function metricValue(registry: Registry, name: string): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.filter((v) => v.labels.worker === MEDIA_JANITOR).reduce((sum, v) => sum + v.value, 0);
}

/**
 * worker:media-janitor end to end on one bus and database: each releasing event deletes the objects
 * and rows of the uploads its target used, and nothing else; redeliveries are harmless; expired
 * uploads are swept. The blob store is a directory whose objects are counted before and after.
 */
export function describeMediaJanitorSuite(name: string, infrastructure: JanitorSuiteInfrastructure): void {
  describe(`media janitor: ${name}`, () => {
    const ids = createSnowflakeGenerator(9);
    let db: Database;
    let closeDb: () => Promise<void>;
    let bus: EventBus;
    let blobDir: string;
    let disk: BlobStore;
    let lifecycle: Lifecycle;
    let metrics: Registry;
    /** Deletes that fail before reaching the store, as when it is unreachable. */
    let failingDeletes = 0;
    const blob = (): BlobStore => ({
      ...disk,
      async delete(keys) {
        if (failingDeletes > 0) {
          failingDeletes--;
          throw new Error('blob store unreachable');
        }
        return disk.delete(keys);
      },
    });
    const janitor = () => ({ db, blob: blob(), log: silentLogger });

    beforeAll(async () => {
      const opened = await openTestDatabase(infrastructure.postgresAdminUrl);
      db = opened.db;
      closeDb = () => opened.close();
      blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-janitor-blobs-'));
      disk = createDiskBlobStore({
        dir: blobDir,
        signingKey: urlSigningKey('janitor-suite-signing-secret-0123456789abcdef'),
        baseUrl: 'http://localhost',
      });
      bus = await infrastructure.openBus();
      lifecycle = new Lifecycle(silentLogger, 10_000);
      metrics = createMetricsRegistry({ defaultMetrics: false });
      const role = createMediaJanitorWorkerRole({
        config: mediaJanitorConfigSchema.parse({
          workers: { [MEDIA_JANITOR]: { ackWaitMs: 1_000, retryBaseMs: 50, maxDeliveries: 3 } },
        }),
        bus,
        db,
        blob: blob(),
        log: silentLogger,
        metrics,
        lifecycle,
        // Expired uploads are swept by their own test; events alone release here.
        sweepIntervalMs: HOUR,
      });
      expect(role.name).toBe('worker:media-janitor');
      await vi.waitFor(() => expect(role.runtime.bound).toBe(true), WAIT);
    }, 60_000);

    afterAll(async () => {
      await lifecycle?.shutdown('test over');
      await bus?.drain();
      await closeDb?.();
      if (blobDir) fs.rmSync(blobDir, { recursive: true, force: true });
    });

    /** Every object key in the store. */
    const objects = async () => {
      const keys: string[] = [];
      for await (const object of disk.list('')) keys.push(object.key);
      return keys;
    };
    const present = async (keys: readonly string[]) => {
      const all = new Set(await objects());
      return keys.filter((k) => all.has(k));
    };

    interface Stored {
      id: string;
      keys: string[];
    }
    /**
     * An upload row (ready and used unless told otherwise) and the objects processing would have made
     * for it: the original, and previews (attachments) or public variants (the other kinds).
     */
    async function stored(
      values: Partial<NewUpload> & { kind: UploadKind },
      options: { cleaned?: boolean } = {},
    ) {
      const row = await insertUpload(db, {
        id: ids.next(),
        ownerId: ids.next(),
        state: 'ready',
        filename: 'file.png',
        declaredType: 'image/png',
        size: 100,
        expiresAt: new Date(Date.now() + HOUR),
        targetId: ids.next(),
        ...values,
      });
      const kind = row.kind as UploadKind;
      const keys = [originalKey(row.id)];
      if (row.state !== 'pending')
        keys.push(
          ...VARIANT_SIZES[kind].map((size) =>
            PUBLIC_KINDS.has(kind) ? publicVariantKey(row.id, size) : previewKey(row.id, size),
          ),
        );
      if (options.cleaned) keys.push(cleanedKey(row.id));
      for (const key of keys) await disk.write(key, Buffer.from(key), { contentType: 'image/webp' });
      return { id: row.id, keys } satisfies Stored;
    }

    /** Waits until these uploads' rows are gone (their objects go first), then checks the store. */
    async function expectPurged(gone: Stored[], kept: Stored[], objectsBefore: number) {
      await vi.waitFor(
        async () =>
          expect(
            await findUploads(
              db,
              gone.map((u) => u.id),
            ),
          ).toEqual([]),
        WAIT,
      );
      const goneKeys = gone.flatMap((u) => u.keys);
      expect(await present(goneKeys)).toEqual([]);
      const keptKeys = kept.flatMap((u) => u.keys);
      expect(await present(keptKeys)).toEqual(keptKeys);
      expect(
        (
          await findUploads(
            db,
            kept.map((u) => u.id),
          )
        ).map((r) => r.state),
      ).toEqual(kept.map(() => 'ready'));
      expect((await objects()).length).toBe(objectsBefore - goneKeys.length);
    }

    it('MessageDeleted: the message’s attachments (previews and cleaned copy too), not its neighbours’', async () => {
      const guildId = ids.next();
      const channelId = ids.next();
      const messageId = ids.next();
      const where = { kind: 'attachment' as const, guildId, channelId, parentChannelId: channelId };
      const gone = [
        await stored({ ...where, targetId: messageId }),
        await stored({ ...where, targetId: messageId }, { cleaned: true }),
      ];
      const kept = [await stored(where), await stored({ ...where, targetId: ids.next() })];
      const before = (await objects()).length;
      expect(before).toBeGreaterThanOrEqual(17);
      await bus.publish(
        busEvent('MessageDeleted', subjects.channelMessages(guildId, channelId), {
          messageId,
          channelId,
          parentChannelId: channelId,
          guildId,
          actorId: ids.next(),
        }),
      );
      await expectPurged(gone, kept, before);
    });

    it('MessagesBulkDeleted in a DM: each listed message’s attachments', async () => {
      const channelId = ids.next();
      const [m1, m2, m3] = [ids.next(), ids.next(), ids.next()];
      const where = { kind: 'attachment' as const, channelId, parentChannelId: channelId };
      const gone = [
        await stored({ ...where, targetId: m1 }),
        await stored({ ...where, targetId: m2 }),
        await stored({ ...where, targetId: m2 }),
      ];
      const kept = [await stored({ ...where, targetId: m3 })];
      const before = (await objects()).length;
      await bus.publish(
        busEvent('MessagesBulkDeleted', subjects.channelMessages(null, channelId), {
          channelId,
          parentChannelId: channelId,
          guildId: null,
          messageIds: [m1, m2],
        }),
      );
      await expectPurged(gone, kept, before);
    });

    it('ChannelDeleted: every upload for the channel and its threads, sent or not', async () => {
      const guildId = ids.next();
      const channelId = ids.next();
      const threadId = ids.next();
      const gone = [
        await stored({ kind: 'attachment', guildId, channelId, parentChannelId: channelId }),
        await stored({ kind: 'attachment', guildId, channelId: threadId, parentChannelId: channelId }),
        // Uploaded for the channel but never sent: only its original.
        await stored({
          kind: 'attachment',
          guildId,
          channelId,
          parentChannelId: channelId,
          state: 'pending',
          targetId: null,
        }),
      ];
      const other = ids.next();
      const kept = [await stored({ kind: 'attachment', guildId, channelId: other, parentChannelId: other })];
      const before = (await objects()).length;
      await bus.publish(
        busEvent('ChannelDeleted', subjects.guild(guildId), { guildId, channelId, actorId: ids.next() }),
      );
      await expectPurged(gone, kept, before);
    });

    it('GuildDeleted: its icon, banner, emoji and attachments; not another guild’s, nor avatars', async () => {
      const guildId = ids.next();
      const channelId = ids.next();
      const gone = [
        await stored({ kind: 'guild_icon', guildId, targetId: guildId }),
        await stored({ kind: 'guild_banner', guildId, targetId: guildId }),
        await stored({ kind: 'emoji', guildId }),
        await stored({ kind: 'attachment', guildId, channelId, parentChannelId: channelId }),
      ];
      const otherGuild = ids.next();
      const owner = ids.next();
      const kept = [
        await stored({ kind: 'guild_icon', guildId: otherGuild, targetId: otherGuild }),
        await stored({ kind: 'avatar', ownerId: owner, targetId: owner }),
      ];
      const before = (await objects()).length;
      await bus.publish(busEvent('GuildDeleted', subjects.guild(guildId), { guildId, actorId: ids.next() }));
      await expectPurged(gone, kept, before);
    });

    it('EmojiDeleted: that emoji’s image only', async () => {
      const guildId = ids.next();
      const emojiId = ids.next();
      const gone = [await stored({ kind: 'emoji', guildId, targetId: emojiId })];
      const kept = [await stored({ kind: 'emoji', guildId })];
      const before = (await objects()).length;
      await bus.publish(
        busEvent('EmojiDeleted', subjects.guild(guildId), { guildId, emojiId, actorId: ids.next() }),
      );
      await expectPurged(gone, kept, before);
    });

    it('UserUpdated: avatars the media subgraph released with it (history pruned) go; the kept ones stay', async () => {
      const userId = ids.next();
      const avatar = (minutesAgo: number) =>
        stored({
          kind: 'avatar',
          ownerId: userId,
          targetId: userId,
          usedAt: new Date(Date.now() - minutesAgo * 60_000),
        });
      const gone = [await avatar(30), await avatar(20)];
      const kept = [await avatar(10), await avatar(1)];
      expect((await db.transaction((tx) => pruneAvatars(tx, userId, 2))).sort()).toEqual(
        gone.map((u) => u.id).sort(),
      );
      const before = (await objects()).length;
      await bus.publish(busEvent('UserUpdated', subjects.user(userId), { userId }));
      await expectPurged(gone, kept, before);
    });

    it('GuildMemberUpdated, GuildMemberRemoved: guild avatars the guilds subgraph released go; the one in use stays', async () => {
      const guildId = ids.next();
      const userId = ids.next();
      const avatar = () => stored({ kind: 'avatar', ownerId: userId, targetId: guildId, guildId });
      const replaced = [await avatar()];
      const kept = [await avatar()];
      await release(db, { uploadIds: replaced.map((u) => u.id) });
      const before = (await objects()).length;
      const member = { guildId, actorId: userId, userId };
      await bus.publish(
        busEvent('GuildMemberUpdated', subjects.guild(guildId), { ...member, fields: ['avatar'] }),
      );
      await expectPurged(replaced, kept, before);
      // The member left: the one in use was released in the leave's transaction.
      await release(db, { uploadIds: kept.map((u) => u.id) });
      const afterReplace = (await objects()).length;
      await bus.publish(
        busEvent('GuildMemberRemoved', subjects.guild(guildId), { ...member, reason: 'leave' }),
      );
      await expectPurged(kept, [], afterReplace);
    });

    it('a redelivered event is harmless: the same deletion again deletes nothing more', async () => {
      const guildId = ids.next();
      const channelId = ids.next();
      const messageId = ids.next();
      const where = { kind: 'attachment' as const, guildId, channelId, parentChannelId: channelId };
      const gone = [await stored({ ...where, targetId: messageId })];
      const kept = [await stored({ ...where, targetId: ids.next() })];
      const deleted = {
        messageId,
        channelId,
        parentChannelId: channelId,
        guildId,
        actorId: ids.next(),
      };
      const subject = subjects.channelMessages(guildId, channelId);
      const before = (await objects()).length;
      await bus.publish(busEvent('MessageDeleted', subject, deleted));
      await expectPurged(gone, kept, before);

      const processed = await metricValue(metrics, 'gochat_worker_events_processed_total');
      const failed = await metricValue(metrics, 'gochat_worker_events_failed_total');
      await bus.publish(busEvent('MessageDeleted', subject, deleted));
      await vi.waitFor(
        async () =>
          expect(await metricValue(metrics, 'gochat_worker_events_processed_total')).toBe(processed + 1),
        WAIT,
      );
      expect(await metricValue(metrics, 'gochat_worker_events_failed_total')).toBe(failed);
      expect((await objects()).length).toBe(before - gone[0]!.keys.length);
      expect(await present(kept[0]!.keys)).toEqual(kept[0]!.keys);
    });

    it('a delivery that failed half way (the store unreachable) is retried and finishes the deletion', async () => {
      const guildId = ids.next();
      const channelId = ids.next();
      const messageId = ids.next();
      const where = { kind: 'attachment' as const, guildId, channelId, parentChannelId: channelId };
      const gone = [
        await stored({ ...where, targetId: messageId }),
        await stored({ ...where, targetId: messageId }),
      ];
      const kept = [await stored({ ...where, targetId: ids.next() })];
      const before = (await objects()).length;
      const failed = await metricValue(metrics, 'gochat_worker_events_failed_total');
      const redelivered = await metricValue(metrics, 'gochat_worker_events_redelivered_total');
      failingDeletes = 1;
      await bus.publish(
        busEvent('MessageDeleted', subjects.channelMessages(guildId, channelId), {
          messageId,
          channelId,
          parentChannelId: channelId,
          guildId,
          actorId: ids.next(),
        }),
      );
      await expectPurged(gone, kept, before);
      expect(failingDeletes).toBe(0);
      expect(await metricValue(metrics, 'gochat_worker_events_failed_total')).toBe(failed + 1);
      expect(await metricValue(metrics, 'gochat_worker_events_redelivered_total')).toBeGreaterThan(
        redelivered,
      );
      expect(await metricValue(metrics, 'gochat_worker_events_dead_lettered_total')).toBe(0);
    });

    it('sweepExpired deletes pending and refused uploads past their time, nothing in use or in processing', async () => {
      const past = new Date(Date.now() - 60_000);
      const gone = [
        // PUT but never completed.
        await stored({ kind: 'attachment', state: 'pending', targetId: null, expiresAt: past }),
        // Refused: processing deleted its objects, but one came back (a late PUT).
        await stored({ kind: 'avatar', state: 'failed', error: 'bad', targetId: null, expiresAt: past }),
      ];
      const kept = [
        await stored({ kind: 'attachment', state: 'pending', targetId: null }),
        // Ready uploads keep the expiry they were created with.
        await stored({ kind: 'attachment', expiresAt: past }),
        await stored({ kind: 'emoji', state: 'ready', targetId: null, expiresAt: past }),
      ];
      const processing = await stored({
        kind: 'attachment',
        state: 'processing',
        targetId: null,
        expiresAt: past,
      });
      const before = (await objects()).length;
      expect(await sweepExpired(janitor())).toBe(2);
      const keptKeys = [...kept, processing].flatMap((u) => u.keys);
      expect(await present(gone.flatMap((u) => u.keys))).toEqual([]);
      expect(await present(keptKeys)).toEqual(keptKeys);
      expect(
        await findUploads(
          db,
          gone.map((u) => u.id),
        ),
      ).toEqual([]);
      expect((await findUploads(db, [processing.id]))[0]?.state).toBe('processing');
      expect((await objects()).length).toBe(before - gone.flatMap((u) => u.keys).length);
      // Nothing is left to sweep.
      expect(await sweepExpired(janitor())).toBe(0);
      expect((await objects()).length).toBe(before - gone.flatMap((u) => u.keys).length);
    });

    it('the role sweeps expired uploads periodically, not only when it starts', async () => {
      const own = new Lifecycle(silentLogger, 10_000);
      const otherBus = await infrastructure.openBus();
      try {
        const role = createMediaJanitorWorkerRole({
          config: mediaJanitorConfigSchema.parse({}),
          bus: otherBus,
          db,
          blob: blob(),
          log: silentLogger,
          metrics: createMetricsRegistry({ defaultMetrics: false }),
          lifecycle: own,
          sweepIntervalMs: 200,
        });
        // Its first sweep ran at start (before binding finished); this upload expires after it.
        await vi.waitFor(() => expect(role.runtime.bound).toBe(true), WAIT);
        const expired = await stored({
          kind: 'attachment',
          state: 'pending',
          targetId: null,
          expiresAt: new Date(Date.now() - 60_000),
        });
        const before = (await objects()).length;
        await vi.waitFor(async () => expect(await findUploads(db, [expired.id])).toEqual([]), WAIT);
        expect(await present(expired.keys)).toEqual([]);
        expect((await objects()).length).toBe(before - expired.keys.length);
      } finally {
        await own.shutdown('test over');
        await otherBus.drain();
      }
    });
  });
}
