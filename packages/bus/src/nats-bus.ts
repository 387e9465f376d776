import fs from 'node:fs';

import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, credsAuthenticator, nkeyAuthenticator } from '@nats-io/transport-node';
import type { Msg, NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import type { Logger } from '@gochat/log';
import { assertEvent, decodeEvent, encodeEvent } from './event-codec.ts';
import { resolveDurableSpec } from './durable.ts';
import { openNatsDurable } from './nats-durable.ts';
import { ensureStream } from './nats-stream.ts';
import {
  REPLAY_CONCURRENCY,
  assertNoSubjectOverflow,
  mapLimited,
  openReplay,
  type ReplayReader,
} from './nats-replay.ts';
import {
  assertReplayCount,
  patternList,
  replayRange,
  type BusEvent,
  type BusHandler,
  type BusSubscription,
  type DurableConsumer,
  type EventBus,
  type PublishResult,
} from './port.ts';
import { createRecentIds, DEFAULT_DUPLICATE_WINDOW_MS } from './recent-ids.ts';
import type { RecentIds } from './recent-ids.ts';
import { assertPattern, assertPrefix } from './subject.ts';

/**
 * How the bus proves who it is. Whoever can publish on NATS can forge events, so production NATS must
 * require one of these (docs/decisions/0029-infrastructure-auth-and-tls.md).
 */
export interface NatsAuth {
  user?: string | undefined;
  password?: string | undefined;
  token?: string | undefined;
  /** An NKey user seed (SU…). */
  nkeySeed?: string | undefined;
  /** Path of a .creds file (user JWT and NKey seed), for servers in operator mode. */
  credsFile?: string | undefined;
}

/** TLS towards NATS: PEM contents (CA, client certificate and key), as node:tls takes them. */
export interface NatsTls {
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  rejectUnauthorized?: boolean | undefined;
}

export interface NatsBusOptions {
  /** nats://, or tls:// to require TLS. */
  url: string;
  auth?: NatsAuth | undefined;
  /** Set, TLS is required even for a nats:// URL. */
  tls?: NatsTls | undefined;
  /** First subject token on the wire; the stream captures `<prefix>.>`. */
  prefix: string;
  /** JetStream stream name, created or updated on start. */
  stream: string;
  /** Stream duplicate_window, and the per-subscription dedup window. Default 120000 (2 minutes). */
  duplicateWindowMs?: number;
  /** Stream max_age. Default 7 days. */
  maxAgeMs?: number;
  /** Stream max_msgs_per_subject: one subject's traffic never evicts another's. Default 10000. */
  maxMsgsPerSubject?: number;
  log: Logger;
  /** Connection name shown by the server (e.g. in /connz). */
  name?: string;
}

const DEFAULT_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;
const DEFAULT_MAX_MSGS_PER_SUBJECT = 10_000;
const PING_TIMEOUT_MS = 2_000;
/** Per subscription: enough to cover outbox retries within the window without growing unbounded. */
const MAX_REMEMBERED_IDS_PER_SUBSCRIPTION = 10_000;

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const defined = <T extends object>(value: T): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;

/** The connection options for a URL, credentials and TLS (exported for tests). */
export function natsConnectOptions(
  url: string,
  auth: NatsAuth = {},
  tls?: NatsTls,
): Pick<NodeConnectionOptions, 'servers' | 'user' | 'pass' | 'token' | 'authenticator' | 'tls'> {
  const authenticator = auth.nkeySeed
    ? nkeyAuthenticator(new TextEncoder().encode(auth.nkeySeed))
    : auth.credsFile
      ? credsAuthenticator(fs.readFileSync(auth.credsFile))
      : undefined;
  const requireTls = tls !== undefined || url.startsWith('tls://');
  return {
    servers: url,
    ...(auth.user ? { user: auth.user, pass: auth.password } : {}),
    ...(auth.token ? { token: auth.token } : {}),
    ...(authenticator ? { authenticator } : {}),
    ...(requireTls ? { tls: defined(tls ?? {}) } : {}),
  };
}

/** Logs connection state changes and tracks whether the socket is up, for ping(). */
function watchStatus(nc: NatsConnection, log: Logger, onChange: (connected: boolean) => void): void {
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') {
        onChange(false);
        log.warn({ server: status.server }, 'NATS disconnected');
      } else if (status.type === 'reconnect') {
        onChange(true);
        log.info({ server: status.server }, 'NATS reconnected');
      } else if (status.type === 'slowConsumer') {
        log.warn({ subject: status.sub.getSubject(), pending: status.pending }, 'NATS slow consumer');
      } else if (status.type === 'error') {
        log.error({ err: status.error }, 'NATS async error');
      }
    }
  })().catch((err: unknown) => log.error({ err }, 'NATS status watcher failed'));
}

/**
 * NATS JetStream bus. Publishing goes through JetStream (durable, deduplicated by Nats-Msg-Id). Live
 * delivery listens on the stream's republish subjects ('<prefix>_live.>', decision 0019): a message
 * reaches them only once stored, with its stream sequence, so a refused duplicate is never seen live.
 * Each subscription still drops an id it delivered already (the memory bus's contract, and a guard
 * against a republish seen twice after a reconnect). Replay and durable consumers read the stream.
 */
export async function createNatsBus(options: NatsBusOptions): Promise<EventBus> {
  const { prefix, stream, url } = options;
  assertPrefix(prefix);
  const duplicateWindowMs = options.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS;
  const maxMsgsPerSubject = options.maxMsgsPerSubject ?? DEFAULT_MAX_MSGS_PER_SUBJECT;
  const log = options.log.child({ component: 'bus', bus: 'nats', prefix, stream });

  // Live delivery: the stream republishes each stored message here, with its sequence (decision 0017).
  const live = `${prefix}_live`;
  const nc = await connect({
    ...natsConnectOptions(url, options.auth, options.tls),
    // A long-running service should ride out NATS restarts; readiness reports the outage meanwhile.
    maxReconnectAttempts: -1,
    ...(options.name ? { name: options.name } : {}),
  });
  let epoch: string;
  const jsm = await jetstreamManager(nc).catch(async (err: unknown) => {
    await nc.close();
    throw err;
  });
  try {
    const info = await ensureStream(
      jsm,
      {
        name: stream,
        subjects: [`${prefix}.>`],
        duplicateWindowMs,
        maxAgeMs: options.maxAgeMs ?? DEFAULT_MAX_AGE_MS,
        maxMsgsPerSubject,
        republish: { src: `${prefix}.>`, dest: `${live}.>` },
      },
      log,
    );
    epoch = `n${Date.parse(info.created).toString(36)}`;
  } catch (err) {
    await nc.close();
    throw err;
  }
  const js = jetstream(nc);

  let connected = true;
  let draining = false;
  let drained: Promise<void> | undefined;
  // nc.drain() closes the reply subscription, so a publish still waiting for its ack would reject
  // with "connection closed" even though JetStream stored it; drain waits for these first.
  const inFlight = new Set<Promise<unknown>>();
  // Closed before the connection drains, so their naks and acks still reach the server.
  const durables = new Set<DurableConsumer>();
  watchStatus(nc, log, (up) => (connected = up));
  nc.closed()
    .then((err) => {
      if (err) log.error({ err }, 'NATS connection closed with an error');
    })
    .catch(() => undefined);

  function closedError(action: string): Error {
    return new Error(`Cannot ${action}: the NATS bus has been drained`);
  }

  function onMessage(pattern: string, handler: BusHandler, recent: RecentIds, msg: Msg): void {
    const event = decodeEvent(msg.string());
    const seq = Number(msg.headers?.get('Nats-Sequence'));
    if (event && seq > 0) event.seq = seq;
    if (!event) {
      log.warn({ subject: msg.subject, bytes: msg.data.length }, 'skipping malformed bus message');
      return;
    }
    if (recent.seen(event.id)) return;
    try {
      handler(event);
    } catch (err) {
      log.error({ err, eventId: event.id, subject: event.subject, pattern }, 'bus handler threw');
    }
  }

  const bus: EventBus = {
    kind: 'nats',

    async publish(event: BusEvent): Promise<PublishResult> {
      if (draining) throw closedError(`publish event ${String(event.id)}`);
      assertEvent(event);
      const acked = js.publish(`${prefix}.${event.subject}`, encodeEvent(event), { msgID: event.id });
      inFlight.add(acked);
      try {
        const ack = await acked;
        return { duplicate: ack.duplicate };
      } finally {
        inFlight.delete(acked);
      }
    },

    // Live once the server has processed the SUB: ordered before this connection's later publishes, but
    // a caller waiting for another process's events should await ping() (a round trip) after this.
    subscribe(pattern: string, handler: BusHandler): BusSubscription {
      if (draining) throw closedError(`subscribe to ${pattern}`);
      assertPattern(pattern);
      const recent = createRecentIds({
        windowMs: duplicateWindowMs,
        maxSize: MAX_REMEMBERED_IDS_PER_SUBSCRIPTION,
      });
      const sub = nc.subscribe(`${live}.${pattern}`, {
        callback: (err, msg) => {
          if (err) log.error({ err, pattern }, 'NATS subscription error');
          else onMessage(pattern, handler, recent, msg);
        },
      });
      return {
        unsubscribe() {
          // Unsubscribing after drain/close is a no-op rather than an error.
          if (!sub.isClosed() && !nc.isClosed()) sub.unsubscribe();
        },
      };
    },

    async publishEphemeral(event: BusEvent): Promise<void> {
      if (draining) throw closedError(`publish event ${String(event.id)}`);
      assertEvent(event);
      const { seq: _unset, ...payload } = event;
      // Straight to the live subjects: the stream never sees it, so it has no sequence and no replay.
      nc.publish(`${live}.${event.subject}`, encodeEvent(payload));
      await Promise.resolve();
    },

    epoch: () => Promise.resolve(epoch),

    async replay(patterns, afterSeq, handler, replayOptions = {}): Promise<void> {
      if (draining) throw closedError('replay');
      const list = [...new Set(patternList(patterns))];
      list.forEach(assertPattern);
      const { state } = await jsm.streams.info(stream);
      const end = state.last_seq;
      if (!replayRange(afterSeq, { firstSeq: state.first_seq, lastSeq: end })) return;
      // One ordered consumer per pattern (nats-server 2.9 takes one filter subject per consumer), merged
      // by seq: the replay reads the viewer's subjects only, never the rest of the stream.
      const readers: ReplayReader[] = [];
      try {
        await mapLimited(list, REPLAY_CONCURRENCY, async (pattern) => {
          readers.push(await openReplay(js, stream, `${prefix}.${pattern}`, afterSeq));
        });
        assertReplayCount(
          readers.reduce((sum, reader) => sum + reader.pending, 0),
          replayOptions.maxEvents,
        );
        const batches = await mapLimited(readers, REPLAY_CONCURRENCY, (reader) => reader.read(end));
        // Overlapping patterns read an event twice: keep one per seq.
        const events = batches
          .flat()
          .sort((a, b) => a.seq! - b.seq!)
          .filter((event, i, all) => i === 0 || all[i - 1]!.seq !== event.seq);
        assertNoSubjectOverflow(events, maxMsgsPerSubject, afterSeq);
        for (const event of events) handler(event);
      } finally {
        await Promise.all(readers.map((reader) => reader.close()));
      }
    },

    async position(): Promise<number> {
      if (draining) throw closedError('read the stream position');
      return (await jsm.streams.info(stream)).state.last_seq;
    },

    async durable(spec): Promise<DurableConsumer> {
      if (draining) throw closedError(`open durable ${spec.name}`);
      const consumer = await openNatsDurable(
        { js, jsm, stream, prefix, publish: (event) => bus.publish(event), log },
        resolveDurableSpec(spec),
      );
      durables.add(consumer);
      return {
        ...consumer,
        close: () => {
          durables.delete(consumer);
          return consumer.close();
        },
      };
    },

    async ping(): Promise<void> {
      if (draining || nc.isClosed() || nc.isDraining()) throw closedError('ping');
      if (!connected) throw new Error('NATS bus is disconnected (reconnecting)');
      // A flush is a PING/PONG round trip; while the socket is half-dead it would wait forever.
      await withTimeout(nc.flush(), PING_TIMEOUT_MS, `NATS ping timed out after ${PING_TIMEOUT_MS} ms`);
    },

    drain(): Promise<void> {
      drained ??= (async () => {
        draining = true;
        await Promise.allSettled([...durables].map((consumer) => consumer.close()));
        await Promise.allSettled(inFlight);
        // nc.drain() rejects when already closed or draining; then just wait for the close.
        if (!nc.isClosed() && !nc.isDraining()) await nc.drain();
        else await nc.closed();
      })();
      return drained;
    },
  };
  return bus;
}
