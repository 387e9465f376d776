import { ReplayGapError } from '@gochat/bus';
import { Lifecycle } from '@gochat/lifecycle';
import { createMetricsRegistry, silentLogger } from '@gochat/log';
import { describe, expect, it } from 'vitest';

import { connectInfrastructure } from './infrastructure.ts';
import { loadConfig } from './load-config.ts';

describe('connectInfrastructure, embedded', () => {
  it('keeps as many events for resume as BUS_MEMORY_RETENTION says', async () => {
    const { host } = loadConfig({ roles: [], monolith: false, env: { BUS_MEMORY_RETENTION: '100' } });
    const lifecycle = new Lifecycle(silentLogger, 5_000);
    const infra = await connectInfrastructure(host, ['bus'], {
      log: silentLogger,
      metrics: createMetricsRegistry({ defaultMetrics: false }),
      lifecycle,
    });
    try {
      const { bus } = infra.require('bus');
      for (let i = 0; i < 101; i++)
        await bus.publish({
          id: `retention-${i}`,
          type: 'Probe',
          subject: 'probe.retention',
          occurredAt: new Date().toISOString(),
          data: {},
        });
      // 101 stored events and room for 100: the first is gone, so a resume from the start cannot be served.
      await expect(bus.replay('probe.>', 0, () => {})).rejects.toBeInstanceOf(ReplayGapError);
      const replayed: number[] = [];
      await bus.replay('probe.>', 1, (event) => replayed.push(event.seq!));
      expect(replayed).toHaveLength(100);
    } finally {
      await lifecycle.shutdown('test');
    }
  });
});
