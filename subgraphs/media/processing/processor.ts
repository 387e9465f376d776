import type { BlobStore } from '@gochat/blob-store';
import type { Database } from '@gochat/db';
import { isDomainError } from '@gochat/errors';
import { newEvent, subjects } from '@gochat/events';
import type { Logger } from '@gochat/log';
import { trimMallocSoon } from '@gochat/native-memory';
import { appendToOutbox } from '@gochat/outbox';
import {
  failUpload,
  findUpload,
  finishProcessing,
  resetToPending,
  takeOverStale,
  uploadObjectKeys,
  type UploadKind,
  type UploadRow,
} from '@gochat/uploads';
import pLimit from 'p-limit';

import { verifyAndProcess } from './verify.ts';

export interface ProcessorDeps {
  db: Database;
  blob: BlobStore;
  log: Logger;
  /** Publishes committed outbox events soon. */
  kick(): void;
  settings: {
    maxPixels: number;
    inlineProcessingMaxBytes: number;
    processingConcurrency: number;
    uploadTtlSeconds: number;
  };
}

/** How long a processing upload is leased to one process before another may take it over. */
export const PROCESSING_LEASE_MS = 10 * 60_000;

/** How often, at most, the memory image decoders freed is given back to the system (decision 0056). */
const TRIM_INTERVAL_MS = 2_000;

/**
 * Runs verification and processing with bounded concurrency (decoding is CPU and memory bound):
 * small files within completeUpload, large ones in the background, announced by UploadProcessed.
 */
export function createProcessor(deps: ProcessorDeps) {
  const limit = pLimit(deps.settings.processingConcurrency);
  const background = new Set<Promise<void>>();
  const verify = { blob: deps.blob, log: deps.log, maxPixels: deps.settings.maxPixels };
  const trim = trimMallocSoon(TRIM_INTERVAL_MS, (error) =>
    deps.log.warn({ err: error }, 'media: giving freed memory back failed'),
  );
  const verifyAndTrim = (row: UploadRow) => verifyAndProcess(verify, row).finally(() => trim.soon());
  const keepFor = () => new Date(Date.now() + deps.settings.uploadTtlSeconds * 1_000);

  /** Deletes a refused file's objects and records why; the row goes with the expiry sweep. */
  async function refuse(row: UploadRow, reason: string): Promise<void> {
    await deps.blob.delete(uploadObjectKeys(row.id, row.kind as UploadKind));
    await failUpload(deps.db, row.id, reason, keepFor());
  }

  async function inline(row: UploadRow): Promise<UploadRow> {
    try {
      const facts = await verifyAndTrim(row);
      return (await finishProcessing(deps.db, row.id, facts)) ?? (await findUpload(deps.db, row.id)) ?? row;
    } catch (error) {
      if (isDomainError(error)) await refuse(row, error.message);
      else await resetToPending(deps.db, row.id, keepFor());
      throw error;
    }
  }

  async function inBackground(row: UploadRow): Promise<void> {
    let state: 'ready' | 'failed';
    try {
      const facts = await verifyAndTrim(row);
      const done = await deps.db.transaction(async (tx) => {
        const finished = await finishProcessing(tx, row.id, facts);
        if (finished) await appendToOutbox(tx, [processed(row, 'ready')]);
        return finished;
      });
      if (!done) return; // another process took it over and finished first
      state = 'ready';
    } catch (error) {
      if (!isDomainError(error)) {
        // Left processing: the lease runs out and a later sweep retries.
        deps.log.error({ err: error, uploadId: row.id }, 'media: background processing failed; will retry');
        return;
      }
      await refuse(row, error.message);
      await deps.db.transaction((tx) => appendToOutbox(tx, [processed(row, 'failed')]));
      state = 'failed';
    }
    deps.log.info({ uploadId: row.id, state }, 'media: upload processed');
    deps.kick();
  }

  function schedule(row: UploadRow): void {
    const run = limit(() => inBackground(row)).catch((error: unknown) =>
      deps.log.error({ err: error, uploadId: row.id }, 'media: background processing crashed'),
    );
    background.add(run);
    void run.finally(() => background.delete(run));
  }

  return {
    /** Processes an upload this caller moved to processing: READY now, or PROCESSING with a follow-up. */
    async complete(row: UploadRow): Promise<UploadRow> {
      if (row.size <= deps.settings.inlineProcessingMaxBytes) return limit(() => inline(row));
      schedule(row);
      return row;
    },
    /** Takes over uploads whose processor died (lease expired). */
    async resumeStale(): Promise<number> {
      const now = new Date();
      const rows = await takeOverStale(deps.db, now, new Date(now.getTime() + PROCESSING_LEASE_MS), 20);
      for (const { id } of rows) {
        const row = await findUpload(deps.db, id);
        if (row) schedule(row);
      }
      return rows.length;
    },
    /** Waits for background processing to finish (drain on SIGTERM, tests); no trim is left waiting. */
    async idle(): Promise<void> {
      while (background.size > 0) await Promise.allSettled([...background]);
      trim.stop();
    },
  };
}

export type Processor = ReturnType<typeof createProcessor>;

const processed = (row: UploadRow, state: 'ready' | 'failed') =>
  newEvent('UploadProcessed', subjects.user(row.ownerId), { userId: row.ownerId, uploadId: row.id, state });
