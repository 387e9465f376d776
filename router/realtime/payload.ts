import type { BusEvent } from '@gochat/bus';
import { execute, type DocumentNode, type GraphQLSchema } from 'graphql';

import { formatCursor } from './cursor.ts';
import type { View } from './redaction.ts';

/** What a feed field resolves to for one event (schema: RealtimeEvent in subgraphs/realtime). */
export interface RealtimeEvent {
  cursor: string | null;
  type: string;
  occurredAt: string;
  guildId: string | null;
  channelId: string | null;
  data: Record<string, unknown>;
}

export function realtimeEvent(event: BusEvent, epoch: string, view?: View): RealtimeEvent {
  const data = view?.data ?? event.data;
  return {
    cursor: event.seq === undefined ? null : formatCursor(epoch, event.seq),
    type: event.type,
    occurredAt: event.occurredAt,
    guildId: typeof data.guildId === 'string' ? data.guildId : null,
    channelId: typeof data.channelId === 'string' ? data.channelId : null,
    data,
  };
}

/** One client's selection of a feed field: subscribers with equal keys receive identical bytes. */
export interface Selection {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName: string | null;
  variables: Record<string, unknown>;
  field: string;
  /** Document, operation and variables except `after`. */
  key: string;
}

/**
 * Serializes each (event, selection) once and shares the bytes with every subscriber: N subscribers with
 * one document cost one execution and one JSON.stringify per event. Keyed by the event object, which the
 * subject hub hands to every local subscriber, so entries go with the event.
 */
export class PayloadCache {
  private readonly byEvent = new WeakMap<BusEvent, Map<string, Buffer>>();

  constructor(private readonly onBuild: (field: string) => void = () => {}) {}

  /**
   * The payload JSON as UTF-8 bytes, shared by every subscriber of the event with this selection and
   * the same view of it (decision 0023).
   */
  payload(event: BusEvent, epoch: string, selection: Selection, view?: View): Buffer {
    let bySelection = this.byEvent.get(event);
    if (!bySelection) this.byEvent.set(event, (bySelection = new Map<string, Buffer>()));
    const key = view ? `${selection.key}\0${view.key}` : selection.key;
    let json = bySelection.get(key);
    if (json === undefined) {
      json = Buffer.from(build(event, epoch, selection, view));
      this.onBuild(selection.field);
      bySelection.set(key, json);
    }
    return json;
  }
}

function build(event: BusEvent, epoch: string, selection: Selection, view: View | undefined): string {
  const value = realtimeEvent(event, epoch, view);
  // graphql-js executes a subscription operation against a root value, exactly as it does per event.
  const result = execute({
    schema: selection.schema,
    document: selection.document,
    operationName: selection.operationName,
    variableValues: selection.variables,
    rootValue: { [selection.field]: value },
  }) as { data?: unknown; errors?: readonly unknown[] };
  return JSON.stringify({
    ...(result.errors ? { errors: result.errors } : {}),
    data: result.data ?? null,
    ...(value.cursor ? { extensions: { cursor: value.cursor } } : {}),
  });
}
