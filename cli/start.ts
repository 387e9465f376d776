import {
  Lifecycle,
  httpLink,
  inProcessLink,
  installProcessHandlers,
  serveRole,
  type Role,
  type RoleName,
  type ServiceLink,
  type SubgraphName,
} from '@gochat/lifecycle';
import { createLogger, createMetricsRegistry, type Logger } from '@gochat/log';

import { localUrl } from './host-config.ts';
import { connectInfrastructure } from './infrastructure.ts';
import type { LoadedConfig } from './load-config.ts';
import { ROLES, SUBGRAPH_ROLES } from './roles.ts';

const SUBGRAPHS = Object.keys(SUBGRAPH_ROLES) as SubgraphName[];

/**
 * Runs roles in this process: all of them behind the router's port (monolith), or one role on its
 * own port (microservice). The same role code runs either way; only the service links differ.
 */
export async function start(roleNames: RoleName[], monolith: boolean, config: LoadedConfig): Promise<void> {
  const { host } = config;
  // In the monolith each role's lines carry its name (withRoleLog); alone, the process is the role.
  const log = createLogger({ level: host.log.level, ...(monolith ? {} : { role: roleNames[0]! }) });
  const lifecycle = new Lifecycle(log, host.shutdown.timeoutMs, host.shutdown.drainDelayMs);
  installProcessHandlers(lifecycle, log);
  const metrics = createMetricsRegistry({ defaultMetrics: true });

  try {
    const needs = {
      database: roleNames.some((r) => ROLES[r].needs.database),
      bus: roleNames.some((r) => ROLES[r].needs.bus),
      cache: roleNames.some((r) => ROLES[r].needs.cache),
      presence: roleNames.some((r) => ROLES[r].needs.presence === true),
      timeline: roleNames.some((r) => ROLES[r].needs.timeline === 'migrates')
        ? ('migrates' as const)
        : roleNames.some((r) => ROLES[r].needs.timeline === 'uses')
          ? ('uses' as const)
          : undefined,
    };
    const infra = await connectInfrastructure(host, needs, { log, metrics, lifecycle }, { migrate: true });

    const created = new Map<RoleName, Role>();
    const links = {} as Record<SubgraphName, ServiceLink>;
    for (const subgraph of SUBGRAPHS) {
      const roleName = SUBGRAPH_ROLES[subgraph];
      if (roleNames.includes(roleName)) {
        const role = await ROLES[roleName].create(
          config.roles[roleName],
          withRoleLog(infra, roleName),
          links,
        );
        created.set(roleName, role);
        links[subgraph] = inProcessLink(role);
      }
    }
    if (roleNames.includes('router')) {
      if (!monolith) {
        const urls = (config.roles.router as { router: { subgraphs: Record<SubgraphName, string> } }).router
          .subgraphs;
        for (const subgraph of SUBGRAPHS) links[subgraph] = httpLink(urls[subgraph]);
      }
      created.set(
        'router',
        await ROLES.router.create(config.roles.router, withRoleLog(infra, 'router'), links),
      );
    }

    const served = created.get(monolith ? 'router' : roleNames[0]!)!;
    const { port } = await serveRole(served, {
      host: host.http.host,
      port: host.http.port,
      metricsPort: host.metrics.port,
      log,
      lifecycle,
      metrics,
    });
    // For people, on stderr: stdout carries only the JSON log.
    const url = localUrl(host.http.host, port);
    if (served.name === 'router')
      console.error(`GoChat is up: GraphQL at ${url}/graphql (health: ${url}/health)`);
  } catch (error) {
    log.fatal({ err: error }, 'start failed');
    await lifecycle.shutdown('start failed');
    process.exit(1);
  }
}

function withRoleLog<T extends { base: { log: Logger } }>(infra: T, role: RoleName): T {
  if (infra.base.log.bindings().role === role) return infra;
  const copy = Object.create(infra) as T;
  Object.defineProperty(copy, 'base', { value: { ...infra.base, log: infra.base.log.child({ role }) } });
  return copy;
}
