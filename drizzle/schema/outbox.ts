import { sql } from 'drizzle-orm';
import { bigserial, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Transactional outbox: a change and its event commit together; a relay publishes afterwards with
 * Nats-Msg-Id = id, so a crash between commit and publish delays an event but never loses or
 * doubles it. Shared by every role that emits events.
 */
export const outboxEvents = pgTable(
  'outbox_events',
  {
    /** Publish order: commit order is not knowable, insertion order per writer is close enough. */
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    id: text('id').notNull().unique(),
    subject: text('subject').notNull(),
    type: text('type').notNull(),
    data: jsonb('data').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull().defaultNow(),
    /** W3C trace context of the change, published with the event (docs/events.md); null until tracing. */
    traceparent: text('traceparent'),
    publishedAt: timestamp('published_at', { withTimezone: true }),
  },
  (t) => [
    index('outbox_events_pending_idx')
      .on(t.seq)
      .where(sql`${t.publishedAt} is null`),
  ],
);
