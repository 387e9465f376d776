import type { BusEvent } from '@gochat/bus';
import { execute, type DocumentNode, type GraphQLSchema } from 'graphql';

import { formatCursor } from './cursor.ts';

/** What a feed field resolves to for one event (schema: RealtimeEvent in subgraphs/realtime). */
export interface RealtimeEvent {
  cursor: string | null;
  type: string;
  occurredAt: string;
  guildId: string | null;
  channelId: string | null;
  data: Record<string, unknown>;
}

export function realtimeEvent(event: BusEvent, epoch: string): RealtimeEvent {
  const { data } = event;
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
 * Serializes each (event, selection) once and shares the JSON with every subscriber for a moment:
 * N subscribers with one document cost one execution and one JSON.stringify per event.
 */
export class PayloadCache {
  private readonly entries = new Map<string, Buffer>();
  private sweepScheduled = false;
  builds = 0;

  constructor(private readonly onBuild: (field: string) => void = () => {}) {}

  /** The payload JSON as UTF-8 bytes, shared by every subscriber of the event with this selection. */
  payload(event: BusEvent, epoch: string, selection: Selection): Buffer {
    const key = `${event.id}\0${selection.key}`;
    let json = this.entries.get(key);
    if (json === undefined) {
      json = Buffer.from(build(event, epoch, selection));
      this.builds++;
      this.onBuild(selection.field);
      this.entries.set(key, json);
      this.scheduleSweep();
    }
    return json;
  }

  /** Every subscriber of an event is served in the same turn, so entries need only outlive it briefly. */
  private scheduleSweep(): void {
    if (this.sweepScheduled) return;
    this.sweepScheduled = true;
    setTimeout(() => {
      this.sweepScheduled = false;
      this.entries.clear();
    }, 1_000).unref();
  }
}

function build(event: BusEvent, epoch: string, selection: Selection): string {
  const value = realtimeEvent(event, epoch);
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
