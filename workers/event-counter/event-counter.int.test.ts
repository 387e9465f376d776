import { createNatsBus, type EventBus } from '@gochat/bus';
import { silentLogger } from '@gochat/log';
import { realServer, uniqueName } from '@gochat/testkit';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, describe } from 'vitest';

import { describeEventCounterSuite } from './event-counter.suite.ts';

const url = await realServer('nats');

describe.runIf(url)('event-counter worker on NATS', () => {
  const where = new WeakMap<EventBus, { prefix: string; stream: string }>();
  const streams = new Set<string>();
  const open = async (at = { prefix: uniqueName('wrk'), stream: uniqueName('WRK') }) => {
    streams.add(at.stream);
    const bus = await createNatsBus({ url: url!, ...at, log: silentLogger });
    where.set(bus, at);
    return bus;
  };
  afterAll(async () => {
    const nc = await connect({ servers: url! });
    const jsm = await jetstreamManager(nc);
    for (const stream of streams) await jsm.streams.delete(stream).catch(() => false);
    await nc.close();
  });

  describeEventCounterSuite('NATS JetStream', {
    open: () => open(),
    // A new connection to the same stream: another process, as far as the server can tell.
    peer: (bus) => open(where.get(bus)),
  });
});
