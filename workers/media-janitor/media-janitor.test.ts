import { createMemoryBus } from '@gochat/bus';
import { silentLogger } from '@gochat/log';

import { describeMediaJanitorSuite } from './media-janitor.suite.ts';

describeMediaJanitorSuite('memory bus, PGlite', {
  openBus: () => Promise.resolve(createMemoryBus({ log: silentLogger })),
  postgresAdminUrl: null,
});
