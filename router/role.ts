import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';

import type { BlobStore } from '@gochat/blob-store';
import type { EventBus } from '@gochat/bus';
import type { KeyValueStore } from '@gochat/cache';
import type { PresenceStore } from '@gochat/presence';
import { createIdentitySigner } from '@gochat/identity';
import type { Lifecycle, Role, ServiceLink, ServiceLinks } from '@gochat/lifecycle';
import type { Logger, Registry } from '@gochat/log';
import type { DocumentNode } from 'graphql';

import { clientAddress } from './client-address.ts';
import type { RouterConfig } from './config.ts';
import { createGateway } from './gateway.ts';
import { createRouterHttp } from './http.ts';
import { createRouterMetrics } from './metrics.ts';
import { createJwtAuthenticator, type Principal } from './principal.ts';
import { OperationLimits } from './operation-limits.ts';
import { createMutationLimiter } from './rate-limits.ts';
import { AccessReads } from './live/access.ts';
import { SubjectHub } from './live/subject-hub.ts';
import { RealtimeConnections } from './realtime/connections.ts';
import { RealtimeFeeds } from './realtime/feeds.ts';
import { PresenceService } from './realtime/presence.ts';
import { WriteBatch } from './realtime/socket-writer.ts';
import { SubscriptionEngine } from './subscriptions/engine.ts';
import { subscriptionManifestSchema } from './subscriptions/manifest.ts';
import { createMediaFiles } from './media-files.ts';
import { createGraphqlWs } from './ws.ts';
import { createWebClient, resolveWebClientDir } from './web-client.ts';
import { createRouterYoga, envelopedRouter } from './yoga.ts';

export interface RouterDeps {
  config: RouterConfig;
  bus: EventBus;
  /** Mutation rate limits: Redis with real servers, so every router spends the same budgets. */
  cache: KeyValueStore;
  presence: PresenceStore;
  /** Uploaded files: the router serves the embedded store's signed URLs and public assets (media-files.ts). */
  blob: BlobStore;
  /** Every subgraph by name; accounts also verifies tokens. */
  links: ServiceLinks & { readonly accounts: ServiceLink };
  log: Logger;
  metrics: Registry;
  lifecycle: Lifecycle;
}

const supergraphFile = (name: string) =>
  fs.readFileSync(new URL(`../supergraph/${name}`, import.meta.url), 'utf8');

/**
 * The router: the federation gateway for queries and mutations, graphql-ws subscriptions served
 * from the bus, the /api/auth/* entry to the accounts role, and the built web client at /. It holds
 * no data of its own.
 */
export async function createRouterRole(deps: RouterDeps): Promise<Role> {
  const { config, log, lifecycle } = deps;
  const signer = createIdentitySigner(config.secrets.internal);
  const auth = createJwtAuthenticator({
    publicUrl: config.publicUrl,
    accounts: deps.links.accounts,
    signer,
    log,
  });
  const gateway = createGateway({
    supergraphSdl: supergraphFile('supergraph.graphql'),
    links: deps.links,
    log,
    maxResponseBytes: config.router.limits.maxSubgraphResponseBytes,
  });
  await gateway.load();
  lifecycle.defer('gateway', () => gateway.stop());

  const mutationLimiter = createMutationLimiter({ store: deps.cache, config: config.router.rateLimits, log });
  const yoga = createRouterYoga({
    gateway,
    auth,
    signer,
    config: config.router,
    publicUrl: config.publicUrl,
    log,
    mutationLimiter,
  });
  const metrics = createRouterMetrics(deps.metrics);
  const run = async (document: DocumentNode, variables: Record<string, unknown>, principal: Principal) => {
    const { execute, contextFactory, schema } = envelopedRouter(yoga, { principal });
    return execute({ schema, document, variableValues: variables, contextValue: await contextFactory() });
  };
  const manifest = subscriptionManifestSchema.parse(JSON.parse(supergraphFile('subscriptions.json')));
  // An event's frames are written after it has reached every local feed (socket-writer.ts).
  const writes = new WriteBatch();
  const hub = new SubjectHub(deps.bus, log, metrics.busSubscriptions, (deliver) => writes.run(deliver));
  const reads = new AccessReads();
  const operationLimits = new OperationLimits(config.router.limits);
  const engine = new SubscriptionEngine({
    reads,
    limits: operationLimits,
    hydrationConcurrency: config.router.hydrationConcurrency,
    manifest,
    hub,
    bus: deps.bus,
    maxReplay: config.router.realtime.maxReplay,
    run,
    log,
    metrics,
    hydrationTtlMs: config.router.hydrationTtlMs,
  });

  const { realtime: realtimeConfig, limits } = config.router;
  const presence = new PresenceService({
    store: deps.presence,
    bus: deps.bus,
    log,
    ttlMs: realtimeConfig.presenceTtlMs,
    coalesceMs: realtimeConfig.presenceCoalesceMs,
    lifecycle,
  });
  const connections = new RealtimeConnections({
    mutationLimiter,
    hub,
    writes,
    run,
    log,
    metrics,
    presence,
    settings: {
      maxWsBufferedBytes: limits.maxWsBufferedBytes,
      maxConnectionsPerUser: limits.maxConnectionsPerUser,
    },
  });
  const realtimeFeeds = new RealtimeFeeds({
    reads,
    limits: operationLimits,
    bus: deps.bus,
    hub,
    run,
    log,
    metrics,
    presence,
    settings: realtimeConfig,
  });

  const http = createRouterHttp({
    yoga,
    accounts: deps.links.accounts,
    signer,
    maxBodyBytes: config.router.limits.maxBodyBytes,
    trustProxy: config.router.trustProxy,
    webClient: config.router.web.enabled
      ? createWebClient({ dir: resolveWebClientDir(config.router.web.dir), log })
      : undefined,
  });
  const ws = createGraphqlWs({
    limits: operationLimits,
    yoga,
    engine,
    connections,
    realtimeFeeds,
    feeds: new Set(manifest.feeds),
    auth,
    log,
    metrics,
    lifecycle,
    maxPayloadBytes: config.router.limits.maxWsPayloadBytes,
    clientIp: (request: IncomingMessage) =>
      clientAddress(
        request.headers['x-forwarded-for'],
        request.socket.remoteAddress,
        config.router.trustProxy,
      ),
  });

  return {
    name: 'router',
    fetch: (request, context) => http.fetch(request, context),
    onUpgrade: (request, socket, head) => ws.onUpgrade(request, socket, head),
    onNodeRequest: createMediaFiles(deps.blob, log),
  };
}
