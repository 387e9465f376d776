import { createNatsBus, type EventBus } from '@gochat/bus';
import { silentLogger } from '@gochat/log';
import { metricValue, realServer, startGochat, waitForMetric, type GochatProcess } from '@gochat/testkit';
import { jetstreamManager, type ConsumerInfo } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { messageEvent } from '../workers/event-counter/event-counter.suite.ts';
import { realServersNamespace, tempConfig } from './support.ts';

const natsUrl = await realServer('nats');
const redisUrl = await realServer('redis');

const EVENTS = 5;

/** The value `read` gives once `done` holds, waiting up to 30 s (vitest polls every 100 ms). */
function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  return vi.waitFor(
    async () => {
      const value = await read();
      if (!done(value)) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
      return value;
    },
    { timeout: 30_000, interval: 100 },
  );
}

/**
 * Issue 12, point 4, with real processes: a worker killed with a batch delivered but not acknowledged
 * loses nothing. The first process is frozen (SIGSTOP) so JetStream hands it the batch it is waiting
 * for, then killed (SIGKILL) before it can acknowledge; the next process gets every event again,
 * counts each once and reports them as redelivered, and the durable consumer ends with nothing pending.
 */
describe.runIf(natsUrl && redisUrl)('worker:event-counter as its own process on JetStream', () => {
  const namespace = realServersNamespace('wkp', { nats: natsUrl!, redis: redisUrl! });
  const { file } = tempConfig('workers:\n  event-counter:\n    ackWaitMs: 1000\n    batchSize: 10\n');
  const processes: GochatProcess[] = [];
  let publisher: EventBus;
  let nc: NatsConnection;

  const startWorker = async (workerId: string) => {
    const worker = await startGochat({
      role: 'worker:event-counter',
      env: { ...namespace.env, GOCHAT_CONFIG: file, PORT: '0', WORKER_ID: workerId },
    });
    processes.push(worker);
    await worker.waitForLine(/bound to its durable consumer/, 60_000);
    return worker;
  };
  const consumer = async (): Promise<ConsumerInfo> => {
    const jsm = await jetstreamManager(nc);
    const infos = await jsm.consumers.list(namespace.env.NATS_STREAM).next();
    expect(infos).toHaveLength(1);
    return infos[0]!;
  };

  beforeAll(async () => {
    nc = await connect({ servers: natsUrl! });
    publisher = await createNatsBus({
      url: natsUrl!,
      prefix: namespace.env.NATS_PREFIX,
      stream: namespace.env.NATS_STREAM,
      log: silentLogger,
    });
  });

  afterAll(async () => {
    for (const worker of processes) await worker.stop('SIGKILL');
    await publisher?.drain();
    await nc?.close();
    await namespace.remove();
  });

  it('killed with a batch in hand, loses nothing: the next process counts it, as redelivered', async () => {
    const first = await startWorker('1');
    process.kill(first.child.pid!, 'SIGSTOP');
    for (let i = 0; i < EVENTS; i++) await publisher.publish(messageEvent('MessageCreated'));
    // The server delivered the batch to the frozen process's waiting pull: in hand, not acknowledged.
    await until(consumer, (info) => info.num_ack_pending === EVENTS, 'the batch delivered to the first');
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    const second = await startWorker('2');
    await waitForMetric(second.url, 'gochat_message_events_total', (n) => n === EVENTS, {}, 30_000);
    expect(await metricValue(second.url, 'gochat_worker_events_redelivered_total')).toBe(EVENTS);
    expect(await metricValue(second.url, 'gochat_worker_events_dead_lettered_total')).toBe(0);
    const settled = await until(consumer, (info) => info.num_ack_pending === 0, 'every event acknowledged');
    expect(settled.num_pending).toBe(0);
    expect(await second.stop('SIGTERM')).toBe(0);
  });
});
