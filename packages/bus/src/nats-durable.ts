import { createHash } from 'node:crypto';

import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  ReplayPolicy,
  type Consumer,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { Logger } from '@gochat/log';

import { createDeliveryPolicy, createFetch, type RawDelivery, type ResolvedDurableSpec } from './durable.ts';
import { decodeEvent } from './event-codec.ts';
import type { BusEvent, DurableConsumer } from './port.ts';

export interface NatsDurableContext {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  prefix: string;
  publish: (event: BusEvent) => Promise<unknown>;
  log: Logger;
}

/** Pause before a pull loop whose iterator ended unexpectedly starts again. */
const RESTART_DELAY_MS = 1_000;

/**
 * nats-server 2.9 takes one filter subject per consumer, so a durable is one JetStream durable pull
 * consumer per pattern, named after the durable and its pattern set: other patterns, other consumers.
 */
export function jetStreamConsumerNames(spec: ResolvedDurableSpec): string[] {
  const set = createHash('sha256').update(spec.patterns.join(' ')).digest('hex').slice(0, 8);
  return spec.patterns.map((_, i) => `${spec.name}_${set}_${i}`);
}

function isConsumerNotFound(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound;
}

/**
 * Creates the consumer, or updates its ack wait when another version configured it differently.
 * The delivery limit is ours (durable.ts): the server redelivers forever (max_deliver -1), so an event
 * past the limit reaches our dead-letter path instead of being dropped with only an advisory.
 */
async function ensureConsumer(
  ctx: NatsDurableContext,
  name: string,
  pattern: string,
  spec: ResolvedDurableSpec,
): Promise<void> {
  const ackWait = nanos(spec.ackWaitMs);
  try {
    const info = await ctx.jsm.consumers.info(ctx.stream, name);
    if (info.config.ack_wait !== ackWait) {
      ctx.log.info({ consumer: name }, 'updating JetStream consumer ack wait');
      await ctx.jsm.consumers.update(ctx.stream, name, { ack_wait: ackWait, max_deliver: -1 });
    }
    return;
  } catch (err) {
    if (!isConsumerNotFound(err)) throw err;
  }
  try {
    await ctx.jsm.consumers.add(ctx.stream, {
      durable_name: name,
      description: `gochat durable ${spec.name} on ${pattern}`,
      filter_subject: `${ctx.prefix}.${pattern}`,
      ack_policy: AckPolicy.Explicit,
      ack_wait: ackWait,
      max_deliver: -1,
      deliver_policy: spec.startAt === 'all' ? DeliverPolicy.All : DeliverPolicy.New,
      replay_policy: ReplayPolicy.Instant,
    });
    ctx.log.info({ consumer: name, pattern }, 'created JetStream durable consumer');
  } catch (err) {
    // Another process created it between our info and add: theirs will do.
    await ctx.jsm.consumers.info(ctx.stream, name).catch(() => {
      throw err;
    });
  }
}

/** Wakes everyone waiting for a change: new messages, room in the queue, or close. */
function createSignal() {
  let wake: () => void = () => undefined;
  let next = new Promise<void>((resolve) => (wake = resolve));
  return {
    notify() {
      wake();
      next = new Promise<void>((resolve) => (wake = resolve));
    },
    /** Resolves on the next notify, or after ms. */
    wait(ms: number): Promise<void> {
      let timer: NodeJS.Timeout | undefined;
      return Promise.race([next, new Promise<void>((r) => (timer = setTimeout(r, ms)))]).finally(() =>
        clearTimeout(timer),
      );
    },
  };
}

export async function openNatsDurable(
  ctx: NatsDurableContext,
  spec: ResolvedDurableSpec,
): Promise<DurableConsumer> {
  const log = ctx.log.child({ durable: spec.name });
  const names = jetStreamConsumerNames(spec);
  await Promise.all(spec.patterns.map((pattern, i) => ensureConsumer(ctx, names[i]!, pattern, spec)));
  const consumers = await Promise.all(names.map((name) => ctx.js.consumers.get(ctx.stream, name)));
  const policy = createDeliveryPolicy(spec, ctx.publish);
  const queue: JsMsg[] = [];
  const signal = createSignal();
  const open = new Set<ConsumerMessages>();
  let closed = false;
  let closing: Promise<void> | undefined;

  function toRaw(msg: JsMsg): RawDelivery {
    const raw = msg.string();
    const event = decodeEvent(raw);
    if (event) event.seq = msg.seq;
    return {
      event,
      subject: msg.subject.slice(ctx.prefix.length + 1),
      seq: msg.seq,
      deliveries: msg.info.deliveryCount,
      raw: () => raw,
      // Confirmed by the server, so "acknowledged" means recorded (and drain cannot lose it).
      ack: async () => void (await msg.ackAck()),
      nak: (delayMs) => msg.nak(delayMs),
      working: () => msg.working(),
    };
  }

  /**
   * One pull loop per JetStream consumer. The iterator only asks the server for more when it is read,
   * and it is read only while the local queue has room: a process holds about 2 × prefetch events.
   */
  async function pull(consumer: Consumer, name: string): Promise<void> {
    while (!closed) {
      try {
        const messages = await consumer.consume({ max_messages: spec.prefetch });
        open.add(messages);
        // Not awaited: the close takes effect when this loop reads up to it.
        if (closed) void messages.close();
        for await (const msg of messages) {
          // Read after close: hand it straight back, so another process gets it without the ack wait.
          if (closed) msg.nak();
          else {
            queue.push(msg);
            signal.notify();
            while (queue.length >= spec.prefetch && !closed) await signal.wait(60_000);
          }
        }
        open.delete(messages);
      } catch (err) {
        if (!closed) log.warn({ err, consumer: name }, 'durable pull loop failed; restarting');
      }
      if (!closed) await signal.wait(RESTART_DELAY_MS);
    }
  }
  const loops = consumers.map((consumer, i) => pull(consumer, names[i]!));

  return {
    name: spec.name,
    fetch: createFetch(
      {
        isClosed: () => closed,
        take: (max) => {
          const taken = queue.splice(0, max);
          if (taken.length > 0) signal.notify(); // room for the pull loops
          return taken.map(toRaw);
        },
        wait: (ms) => signal.wait(ms),
      },
      policy,
      log,
    ),
    async status() {
      const infos = await Promise.all(consumers.map((consumer) => consumer.info(false)));
      return {
        lag: infos.reduce((sum, info) => sum + info.num_pending + info.num_ack_pending, 0),
        missed: 0,
      };
    },
    close() {
      closing ??= (async () => {
        closed = true;
        signal.notify();
        // Held but never handed out: back to the durable at once rather than after the ack wait.
        for (const msg of queue.splice(0)) msg.nak();
        await Promise.all([...open].map((messages) => messages.close()));
        await Promise.all(loops);
      })();
      return closing;
    },
  };
}
