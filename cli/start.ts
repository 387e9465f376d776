import {
  Lifecycle,
  httpLink,
  inProcessLink,
  installProcessHandlers,
  serveRole,
  type Role,
  type ServiceLink,
} from '@gochat/lifecycle';
import { createLogger, createMetricsRegistry } from '@gochat/log';

import { localUrl } from './host-config.ts';
import { connectInfrastructure, type Infrastructure } from './infrastructure.ts';
import type { LoadedConfig } from './load-config.ts';
import { roleSpec, subgraphOf } from './registry.ts';
import { roleInfra } from './role-spec.ts';
import type { StartPlan } from './selection.ts';

/**
 * Runs a set of roles in this process (docs/decisions/0032-role-registry.md): the infrastructure they
 * need, each role, and one port serving the router, the one subgraph, or health alone. The same role
 * code runs in any set; only the service links differ: in-process for a subgraph of the set, HTTP
 * for the others.
 */
export async function start(plan: StartPlan, config: LoadedConfig): Promise<void> {
  const { host } = config;
  // With several roles each role's lines carry its name (withRoleLog); alone, the process is the role.
  const log = createLogger({
    level: host.log.level,
    ...(plan.roles.length === 1 ? { role: plan.roles[0]! } : {}),
  });
  const lifecycle = new Lifecycle(log, host.shutdown.timeoutMs, host.shutdown.drainDelayMs);
  installProcessHandlers(lifecycle, log);
  const metrics = createMetricsRegistry({ defaultMetrics: true });

  try {
    const infra = await connectInfrastructure(host, plan.needs, { log, metrics, lifecycle }, plan.migrates);
    const roles = await createRoles(plan, config, infra);
    const served = plan.served ? roles.get(plan.served)! : healthOnly(plan.roles);
    const { port } = await serveRole(served, {
      host: host.http.host,
      port: host.http.port,
      metricsPort: host.metrics.port,
      log,
      lifecycle,
      metrics,
    });
    // For people, on stderr: stdout carries only the JSON log. One URL: the app, or the API without it.
    const url = localUrl(host.http.host, port);
    if (plan.served && roleSpec(plan.served).serves.kind === 'router') {
      const router = config.roles[plan.served] as { router?: { web?: { enabled: boolean } } } | undefined;
      console.error(
        router?.router?.web?.enabled
          ? `GoChat is ready: open ${url}/`
          : `GoChat is ready: GraphQL at ${url}/graphql`,
      );
    }
  } catch (error) {
    log.fatal({ err: error }, 'start failed');
    await lifecycle.shutdown('start failed');
    process.exit(1);
  }
}

/** Creates the plan's roles in order, linking each subgraph in-process as it is created. */
async function createRoles(plan: StartPlan, config: LoadedConfig, infra: Infrastructure) {
  const links: Record<string, ServiceLink> = {};
  const urls = (config.roles.router as { router?: { subgraphs: Record<string, string> } } | undefined)?.router
    ?.subgraphs;
  for (const subgraph of plan.overHttp) links[subgraph] = httpLink(urls![subgraph]!);
  const created = new Map<string, Role>();
  for (const name of plan.roles) {
    const spec = roleSpec(name);
    const role = await spec.create(config.roles[name], roleInfra(spec, withRoleLog(infra, name)), links);
    created.set(name, role);
    const subgraph = subgraphOf(spec);
    if (subgraph) links[subgraph] = inProcessLink(role);
  }
  return created;
}

/** What a set of workers serves: nothing but /health, /ready and /metrics. */
function healthOnly(roles: readonly string[]): Role {
  return {
    name: roles.join(','),
    fetch: () => Promise.resolve(Response.json({ error: 'Not found.' }, { status: 404 })),
  };
}

function withRoleLog(infra: Infrastructure, role: string): Infrastructure {
  if (infra.base.log.bindings().role === role) return infra;
  const copy = Object.create(infra) as Infrastructure;
  Object.defineProperty(copy, 'base', { value: { ...infra.base, log: infra.base.log.child({ role }) } });
  return copy;
}
