import type { BusEvent } from '@gochat/bus';
import { asCatalogEvent, parseSubject, type CatalogEvent, type ParsedSubject } from '@gochat/events';

import { isRedactable } from './redaction.ts';

/**
 * A bus event as the router's feeds see it: a catalogued event (`switch (event.type)` narrows
 * `data`) with its subject parsed once, however many subscribers look at it.
 */
export type LiveEvent = Omit<BusEvent, 'type' | 'data'> &
  CatalogEvent & {
    /** The subject, parsed (packages/events: parseSubject). */
    readonly at: ParsedSubject;
    /** Whether some viewer may see less of it than stored (redaction.ts: isRedactable). */
    readonly redactable: boolean;
  };

/**
 * Reads a bus event for the feeds: once per event and process (the hub and replays), never per
 * subscriber. Undefined for a type this router does not know, which no feed could judge.
 */
export function toLiveEvent(event: BusEvent): LiveEvent | undefined {
  const known = asCatalogEvent(event);
  if (!known) return undefined;
  // A copy: the bus's object stays as the bus made it.
  return { ...known, at: parseSubject(event.subject), redactable: isRedactable(known) };
}
