import { createMetricsRegistry, silentLogger } from '@gochat/log';
import { Counter } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';

import { Lifecycle } from './lifecycle.ts';
import type { Role } from './role.ts';
import { serveRole } from './serve-role.ts';

/** A role answering every path of its own with 404, as the router and the subgraphs do. */
const role: Role = {
  name: 'subgraph:guilds',
  fetch: (request) =>
    Promise.resolve(new Response(`role: ${new URL(request.url).pathname}`, { status: 404 })),
};

const lifecycles: Lifecycle[] = [];
afterEach(async () => {
  for (const lifecycle of lifecycles.splice(0)) await lifecycle.shutdown('test');
});

async function serve(metricsPort?: number) {
  const lifecycle = new Lifecycle(silentLogger, 5_000);
  lifecycles.push(lifecycle);
  const metrics = createMetricsRegistry({ defaultMetrics: false });
  new Counter({ name: 'gochat_test_total', help: 'A test counter.', registers: [metrics] }).inc(3);
  return serveRole(role, { host: '127.0.0.1', port: 0, metricsPort, log: silentLogger, lifecycle, metrics });
}

describe('serveRole', () => {
  it('serves /metrics next to the role without a metrics port', async () => {
    const served = await serve();
    expect(served.metricsUrl).toBe(served.url);
    const response = await fetch(`${served.url}/metrics`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('gochat_test_total 3');
  });

  it('with a metrics port, serves /metrics there alone and leaves the public port without it', async () => {
    const served = await serve(0);
    expect(served.metricsUrl).not.toBe(served.url);

    const onPublic = await fetch(`${served.url}/metrics`);
    expect(onPublic.status).toBe(404);
    expect(await onPublic.text()).toBe('role: /metrics'); // the role's own answer to an unknown path
    expect((await fetch(`${served.url}/health`)).status).toBe(200);

    const onMetricsPort = await fetch(`${served.metricsUrl}/metrics`);
    expect(onMetricsPort.status).toBe(200);
    expect(await onMetricsPort.text()).toContain('gochat_test_total 3');
    expect((await fetch(`${served.metricsUrl}/graphql`)).status).toBe(404);
  });
});
