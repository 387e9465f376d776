import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** One worker's series: every metric is labelled with the worker, so several share a registry. */
export interface WorkerMetrics {
  processed: Counter.Internal;
  skipped: Counter.Internal;
  failed: Counter.Internal;
  redelivered: Counter.Internal;
  deadLettered: Counter.Internal;
  missed: Counter.Internal;
  lag: Gauge.Internal<'worker'>;
  lagSeconds: Gauge.Internal<'worker'>;
  handlerSeconds: Histogram.Internal<'worker'>;
}

/** The metric already in the registry (another worker of this process made it), or a new one. */
function shared<M>(registry: Registry, name: string, make: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? make();
}

export function workerMetrics(registry: Registry, worker: string): WorkerMetrics {
  const counter = (name: string, help: string) =>
    shared(
      registry,
      name,
      () => new Counter({ name, help, labelNames: ['worker'] as const, registers: [registry] }),
    ).labels({ worker });
  return {
    processed: counter('gochat_worker_events_processed_total', 'Events a worker handled and acknowledged.'),
    skipped: counter(
      'gochat_worker_events_skipped_total',
      'Events on a worker’s subjects of a type it does not handle, acknowledged unread.',
    ),
    failed: counter('gochat_worker_events_failed_total', 'Handler failures (each attempt counts).'),
    redelivered: counter(
      'gochat_worker_events_redelivered_total',
      'Deliveries of events delivered before (failed, expired or left by a stopped worker).',
    ),
    deadLettered: counter(
      'gochat_worker_events_dead_lettered_total',
      'Events sent to the dead-letter subject after their last delivery.',
    ),
    missed: counter(
      'gochat_worker_events_missed_total',
      'Events the embedded bus dropped (retention) before the worker received them.',
    ),
    lag: shared(
      registry,
      'gochat_worker_lag_events',
      () =>
        new Gauge({
          name: 'gochat_worker_lag_events',
          help: 'Events on the worker’s subjects not acknowledged yet.',
          labelNames: ['worker'] as const,
          registers: [registry],
        }),
    ).labels({ worker }),
    lagSeconds: shared(
      registry,
      'gochat_worker_lag_seconds',
      () =>
        new Gauge({
          name: 'gochat_worker_lag_seconds',
          help: 'How long ago the oldest event of the last batch was committed when the worker took it (0 when caught up).',
          labelNames: ['worker'] as const,
          registers: [registry],
        }),
    ).labels({ worker }),
    handlerSeconds: shared(
      registry,
      'gochat_worker_handler_duration_seconds',
      () =>
        new Histogram({
          name: 'gochat_worker_handler_duration_seconds',
          help: 'Time a worker’s handler took for one event (or one batch, for batch handlers).',
          labelNames: ['worker'] as const,
          buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
          registers: [registry],
        }),
    ).labels({ worker }),
  };
}
