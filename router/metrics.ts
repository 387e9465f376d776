import { Counter, Gauge, type Registry } from 'prom-client';

export interface RouterMetrics {
  hydrations: Counter<'field'>;
  deliveries: Counter<'field'>;
  busSubscriptions: Gauge;
  activeSubscriptions: Gauge<'field'>;
  wsConnections: Gauge;
  /** Feed payloads built (one per event and distinct selection, shared by subscribers). */
  feedPayloads: Counter<'field'>;
  /** Sockets closed by the router, by reason (slow consumer, token expired, revoked, limit). */
  socketsClosed: Counter<'reason'>;
}

export function createRouterMetrics(registry: Registry): RouterMetrics {
  return {
    hydrations: new Counter({
      name: 'gochat_router_subscription_hydrations_total',
      help: 'Gateway executions run to hydrate subscription events (shared by subscribers with the same selection and scope).',
      labelNames: ['field'],
      registers: [registry],
    }),
    deliveries: new Counter({
      name: 'gochat_router_subscription_deliveries_total',
      help: 'Subscription payloads handed to clients.',
      labelNames: ['field'],
      registers: [registry],
    }),
    busSubscriptions: new Gauge({
      name: 'gochat_router_bus_subscriptions',
      help: 'Bus subscriptions held by this process: one per subject with local subscribers.',
      registers: [registry],
    }),
    activeSubscriptions: new Gauge({
      name: 'gochat_router_active_subscriptions',
      help: 'GraphQL subscriptions open on this process.',
      labelNames: ['field'],
      registers: [registry],
    }),
    wsConnections: new Gauge({
      name: 'gochat_router_ws_connections',
      help: 'Open graphql-ws connections.',
      registers: [registry],
    }),
    feedPayloads: new Counter({
      name: 'gochat_router_feed_payloads_total',
      help: 'Real-time feed payloads serialized: one per event and distinct selection, whatever the number of subscribers.',
      labelNames: ['field'],
      registers: [registry],
    }),
    socketsClosed: new Counter({
      name: 'gochat_router_sockets_closed_total',
      help: 'WebSocket connections the router closed, by reason.',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}
