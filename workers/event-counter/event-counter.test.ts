import { createMemoryBus } from '@gochat/bus';
import { silentLogger } from '@gochat/log';

import { describeEventCounterSuite } from './event-counter.suite.ts';

describeEventCounterSuite('memory bus', {
  open: () => Promise.resolve(createMemoryBus({ log: silentLogger })),
  peer: (bus) => Promise.resolve(bus),
});
