import crypto from 'node:crypto';

import type { BusEvent } from '@gochat/bus';
import { queryRows, type Database, type Transaction } from '@gochat/db';
import { outboxEvents } from '@gochat/drizzle';
import { sql } from 'drizzle-orm';

export interface NewEvent {
  subject: string;
  type: string;
  data: Record<string, unknown>;
  /** W3C trace context of the change (docs/events.md), published with the event. */
  traceparent?: string;
}

/**
 * Records events in the caller's transaction, so they exist if and only if the change commits.
 * Returns them as they will be published.
 */
export async function appendToOutbox(tx: Transaction, events: NewEvent[]): Promise<BusEvent[]> {
  if (events.length === 0) return [];
  const occurredAt = new Date();
  const rows = events.map((e) => ({ id: crypto.randomUUID(), ...e, occurredAt }));
  await tx.insert(outboxEvents).values(rows);
  return rows.map((r) => ({ ...r, occurredAt: occurredAt.toISOString() }));
}

/**
 * Runs in the relay's transaction before a batch is published: completes work that must be visible
 * before its events are (the ScyllaDB timeline applies staged writes here). Throwing leaves the batch pending.
 */
export type BeforePublish = (tx: Transaction, events: BusEvent[]) => Promise<void>;

interface PendingRow extends Record<string, unknown> {
  seq: string | number;
  id: string;
  subject: string;
  type: string;
  data: Record<string, unknown> | string;
  occurred_at: Date | string;
  traceparent: string | null;
}

/** Locks and hands out a batch of unpublished events; they are marked published when `publish` succeeds. */
export async function publishPendingBatch(
  db: Database,
  limit: number,
  publish: (events: BusEvent[]) => Promise<void>,
  beforePublish?: BeforePublish,
): Promise<number> {
  return db.transaction(async (tx) => {
    // SKIP LOCKED lets relays in several processes share the table without waiting on each other.
    const rows = await queryRows<PendingRow>(
      tx,
      sql`
      /* outbox.publishPendingBatch */
      select seq, id, subject, type, data, occurred_at, traceparent from outbox_events
      where published_at is null order by seq limit ${limit} for update skip locked`,
    );
    if (rows.length === 0) return 0;
    const events = rows.map((r): BusEvent => ({
      id: r.id,
      subject: r.subject,
      type: r.type,
      data: typeof r.data === 'string' ? (JSON.parse(r.data) as Record<string, unknown>) : r.data,
      occurredAt: new Date(r.occurred_at).toISOString(),
      ...(r.traceparent === null ? {} : { traceparent: r.traceparent }),
    }));
    if (beforePublish) await beforePublish(tx, events);
    await publish(events);
    const seqs = rows.map((r) => String(r.seq));
    await tx.execute(sql`
      /* outbox.markPublished */
      update outbox_events set published_at = now() where seq = any(${`{${seqs.join(',')}}`}::bigint[])`);
    return rows.length;
  });
}

/** Published rows are kept a while for inspection, then deleted so the table stays small. */
export async function deletePublishedBefore(db: Database, before: Date): Promise<void> {
  await db.execute(sql`
    /* outbox.deletePublishedBefore */
    delete from outbox_events where published_at < ${before.toISOString()}::timestamptz`);
}

export async function countPending(db: Database): Promise<number> {
  const rows = await queryRows<{ n: string | number }>(
    db,
    sql`/* outbox.countPending */ select count(*) as n from outbox_events where published_at is null`,
  );
  return Number(rows[0]?.n ?? 0);
}
