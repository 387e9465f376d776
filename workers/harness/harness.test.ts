import { randomUUID } from 'node:crypto';

import { createMemoryBus } from '@gochat/bus';
import { subjects } from '@gochat/events';
import { Lifecycle } from '@gochat/lifecycle';
import { createMetricsRegistry, silentLogger } from '@gochat/log';
import { describe, expect, it } from 'vitest';

import { workerSection } from './config.ts';
import { defineWorker, type Delivered } from './definition.ts';
import { createWorkerRole } from './role.ts';

const deleted = (messageId: string) => ({
  id: randomUUID(),
  type: 'MessageDeleted',
  subject: subjects.channelMessages(null, '9'),
  occurredAt: new Date().toISOString(),
  data: { messageId, channelId: '9', parentChannelId: '9', guildId: null, actorId: '1' },
});

describe('worker harness', () => {
  it('hands a batch handler whole batches, retries only the events it reports failed, and serves no routes', async () => {
    const bus = createMemoryBus({ log: silentLogger });
    const lifecycle = new Lifecycle(silentLogger, 5_000);
    const batches: Array<Array<Delivered<'MessageDeleted'>>> = [];
    const definition = defineWorker({
      name: 'batcher',
      subjects: [subjects.channelMessages('*', '*')],
      events: ['MessageDeleted'],
      async handleBatch(batch) {
        batches.push(batch);
        await Promise.resolve();
        const failed = batch.filter((d) => d.event.data.messageId === 'm2' && d.deliveries === 1);
        return { failed: new Map(failed.map((d) => [d.event.id, new Error('index busy')])) };
      },
    });
    const role = createWorkerRole(definition, {
      bus,
      log: silentLogger,
      metrics: createMetricsRegistry({ defaultMetrics: false }),
      lifecycle,
      settings: { ...workerSection.parse({}), lingerMs: 200, retryBaseMs: 20 },
    });
    expect(role.name).toBe('worker:batcher');
    expect((await role.fetch(new Request('http://worker/graphql'))).status).toBe(404);
    while (!role.runtime.bound) await new Promise((r) => setTimeout(r, 10));
    for (const id of ['m1', 'm2', 'm3']) await bus.publish(deleted(id));
    while (batches.length < 2) await new Promise((r) => setTimeout(r, 10));
    expect(batches[0]!.map((d) => d.event.data.messageId)).toEqual(['m1', 'm2', 'm3']);
    expect(batches[1]!.map((d) => [d.event.data.messageId, d.deliveries])).toEqual([['m2', 2]]);
    await expect(lifecycle.shutdown('test over')).resolves.toBe(true);
    await bus.drain();
  });

  it('reads its settings with defaults, and refuses nonsense', () => {
    expect(workerSection.parse({})).toEqual({
      batchSize: 100,
      lingerMs: 0,
      concurrency: 1,
      ackWaitMs: 30_000,
      maxDeliveries: 5,
      retryBaseMs: 1_000,
      retryMaxMs: 60_000,
    });
    expect(workerSection.parse({ batchSize: '500' }).batchSize).toBe(500);
    expect(() => workerSection.parse({ batchSize: 0 })).toThrow();
    expect(() => workerSection.parse({ batchsize: 10 })).toThrow();
  });
});
