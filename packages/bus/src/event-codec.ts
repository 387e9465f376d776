import type { BusEvent } from './port.ts';
import { assertSubject } from './subject.ts';

/** Checks what both buses rely on before an event leaves the publisher. */
export function assertEvent(event: BusEvent): void {
  if (typeof event.id !== 'string' || event.id === '')
    throw new Error('Invalid bus event: id must be non-empty');
  if (typeof event.type !== 'string' || event.type === '') {
    throw new Error(`Invalid bus event ${event.id}: type must be non-empty`);
  }
  assertSubject(event.subject);
}

/** JSON on the wire for NATS; the memory bus uses the same encoding so both deliver identical copies. */
export function encodeEvent(event: BusEvent): string {
  return JSON.stringify(event);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses and shape-checks a payload; returns null for anything that is not a bus event. */
export function decodeEvent(text: string): BusEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(value)) return null;
  const { id, type, subject, occurredAt, data, seq, traceparent } = value;
  if (typeof id !== 'string' || id === '' || typeof type !== 'string' || typeof subject !== 'string')
    return null;
  if (typeof occurredAt !== 'string' || !isRecord(data)) return null;
  return {
    id,
    type,
    subject,
    occurredAt,
    data,
    ...(typeof seq === 'number' ? { seq } : {}),
    ...(typeof traceparent === 'string' ? { traceparent } : {}),
  };
}
