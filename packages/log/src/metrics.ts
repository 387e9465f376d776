import { Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per process; roles add their own metrics to it and /metrics serves it. */
export function createMetricsRegistry(options: { defaultMetrics: boolean }): Registry {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'gochat_' });
  return registry;
}

export { Registry } from 'prom-client';
