import { createNatsBus } from '@gochat/bus';
import { silentLogger } from '@gochat/log';
import { realServer, uniqueName } from '@gochat/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, describe } from 'vitest';

import { describeMediaJanitorSuite } from './media-janitor.suite.ts';

const natsUrl = await realServer('nats');
const postgresAdminUrl = await realServer('postgres');

describe.runIf(natsUrl)('media janitor on NATS', () => {
  const streams = new Set<string>();
  afterAll(async () => {
    const nc = await connect({ servers: natsUrl! });
    const jsm = await jetstreamManager(nc);
    for (const stream of streams) await jsm.streams.delete(stream).catch(() => false);
    await nc.close();
  });

  describeMediaJanitorSuite(`NATS JetStream, ${postgresAdminUrl ? 'PostgreSQL' : 'PGlite'}`, {
    openBus: async () => {
      const at = { prefix: uniqueName('jan'), stream: uniqueName('JAN') };
      streams.add(at.stream);
      return createNatsBus({ url: natsUrl!, ...at, log: silentLogger });
    },
    postgresAdminUrl,
  });
});
