import type { BusEvent } from '@gochat/bus';
import { execute, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Counter } from 'prom-client';

import { formatCursor } from '../live/cursor.ts';
import type { View } from '../live/redaction.ts';
import type { SocketWriter } from './socket-writer.ts';
import { textFrame } from './ws-frame.ts';

/** What a feed frame is made from: a live event, or a feed's own marker (Subscribed). */
export type FeedEvent = Pick<BusEvent, 'occurredAt' | 'seq'> & { type: string; data: object };

/** What a feed field resolves to for one event (schema: RealtimeEvent in subgraphs/realtime). */
export interface RealtimeEvent {
  cursor: string | null;
  type: string;
  occurredAt: string;
  guildId: string | null;
  channelId: string | null;
  data: Record<string, unknown>;
}

export function realtimeEvent(event: FeedEvent, epoch: string, view?: View): RealtimeEvent {
  const data = (view?.data ?? event.data) as Record<string, unknown>;
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

/** A payload, and the last WebSocket frame built around it (clients often share operation ids). */
interface Built {
  payload: Buffer;
  prefix: Buffer | undefined;
  frame: Buffer | undefined;
}

const FRAME_END = Buffer.from('}');

/**
 * Serializes each (event, selection) once and shares the bytes with every subscriber: N subscribers with
 * one document cost one execution and one JSON.stringify per event. Keyed by the event object, which the
 * subject hub hands to every local subscriber, so entries go with the event.
 */
export class PayloadCache {
  private readonly byEvent = new WeakMap<FeedEvent, Map<string, Built>>();

  constructor(private readonly onBuild: (field: string) => void = () => {}) {}

  /**
   * The payload JSON as UTF-8 bytes, shared by every subscriber of the event with this selection and
   * the same view of it (decision 0023).
   */
  payload(event: FeedEvent, epoch: string, selection: Selection, view?: View): Buffer {
    return this.built(event, epoch, selection, view).payload;
  }

  /**
   * The whole `next` message for one subscriber, `prefix` (its operation id) + payload + `}`, as a
   * WebSocket frame ready for its socket. Built once per run of subscribers with the same prefix,
   * instead of a concatenation and a framing per delivery.
   */
  frame(
    event: FeedEvent,
    epoch: string,
    selection: Selection,
    view: View | undefined,
    prefix: Buffer,
  ): Buffer {
    const built = this.built(event, epoch, selection, view);
    if (built.frame === undefined || !(built.prefix === prefix || built.prefix!.equals(prefix))) {
      built.frame = textFrame([prefix, built.payload, FRAME_END]);
      built.prefix = prefix;
    }
    return built.frame;
  }

  /** Where one feed's events go: its socket, as frames of its operation. */
  sink(
    writer: SocketWriter,
    operationId: string,
    epoch: string,
    selection: Selection,
    deliveries: Counter<'field'>,
  ): FeedSink {
    return new FeedSink(this, writer, operationId, epoch, selection, deliveries);
  }

  private built(event: FeedEvent, epoch: string, selection: Selection, view: View | undefined): Built {
    let bySelection = this.byEvent.get(event);
    if (!bySelection) this.byEvent.set(event, (bySelection = new Map<string, Built>()));
    const key = view ? `${selection.key}\0${view.key}` : selection.key;
    let built = bySelection.get(key);
    if (built === undefined) {
      built = {
        payload: Buffer.from(build(event, epoch, selection, view)),
        prefix: undefined,
        frame: undefined,
      };
      this.onBuild(selection.field);
      bySelection.set(key, built);
    }
    return built;
  }
}

/** One feed's delivery to its socket (a class: one per subscription, no closure scope kept). */
export class FeedSink {
  private readonly prefix: Buffer;
  private readonly labels: { field: string };

  constructor(
    private readonly cache: PayloadCache,
    private readonly writer: SocketWriter,
    operationId: string,
    private readonly epoch: string,
    private readonly selection: Selection,
    private readonly deliveries: Counter<'field'>,
  ) {
    this.prefix = Buffer.from(`{"id":${JSON.stringify(operationId)},"type":"next","payload":`);
    this.labels = { field: selection.field };
  }

  send(event: FeedEvent, view?: View): void {
    const frame = this.cache.frame(event, this.epoch, this.selection, view, this.prefix);
    if (this.writer.send(frame)) this.deliveries.inc(this.labels);
  }
}

function build(event: FeedEvent, epoch: string, selection: Selection, view: View | undefined): string {
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
