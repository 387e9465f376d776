import { randomUUID } from 'node:crypto';

import { parseSubject, type EventType } from '@gochat/events';

import type { LiveEvent } from './event.ts';
import { isRedactable } from './redaction.ts';

/**
 * A live event for unit tests: a catalogued type on a subject, with only the payload fields the code
 * under test reads (hence the cast: fixtures stay short).
 */
export function liveEvent(
  type: EventType,
  subject: string,
  data: Record<string, unknown> = {},
  seq?: number,
): LiveEvent {
  const event = {
    id: randomUUID(),
    type,
    subject,
    occurredAt: new Date().toISOString(),
    data,
    ...(seq === undefined ? {} : { seq }),
  } as LiveEvent;
  return { ...event, at: parseSubject(subject), redactable: isRedactable(event) };
}

/** A fixture's payload, read as a record. */
export const dataOf = (event: LiveEvent) => event.data as Record<string, unknown>;
