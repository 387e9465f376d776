import {
  Lifecycle,
  RoleUnavailableError,
  httpLink,
  inProcessLink,
  installProcessHandlers,
  serveRole,
  type Role,
  type ServiceLink,
} from '@gochat/lifecycle';
import { createLogger, createMetricsRegistry } from '@gochat/log';
import { trimMalloc } from '@gochat/native-memory';

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
    const served = withEndpoints(plan.served ? roles.get(plan.served) : undefined, roles, plan.roles);
    const { port } = await serveRole(served, {
      host: host.http.host,
      port: host.http.port,
      metricsPort: host.metrics.port,
      log,
      lifecycle,
      metrics,
    });
    // Compiling and wiring every module freed tens of MB that glibc would keep (decision 0056).
    trimMalloc().catch((error: unknown) => log.warn({ err: error }, 'giving freed memory back failed'));
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
    if (error instanceof RoleUnavailableError) {
      // Not a crash: this machine cannot run the role. Said plainly, with its own exit code.
      console.error(error.message);
      log.fatal({ err: error }, 'start failed: the role cannot run here');
      await lifecycle.shutdown('role unavailable');
      process.exit(2);
    }
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
    let role: Role;
    try {
      role = await spec.create(config.roles[name], roleInfra(spec, withRoleLog(infra, name)), links);
    } catch (error) {
      // Alone, the process exists for this role: it fails (exit 2). Among others, they run without it.
      if (!(error instanceof RoleUnavailableError) || plan.roles.length === 1) throw error;
      // Expected on machines without the optional part (mediasoup): said once, not a warning.
      infra.base.log.info({ role: name }, error.message);
      continue;
    }
    created.set(name, role);
    const subgraph = subgraphOf(spec);
    if (subgraph) links[subgraph] = inProcessLink(role);
  }
  return created;
}

/**
 * What the port serves: the served role (or health alone), with the WebSocket endpoints of the
 * other roles in the process (the embedded SFU's signalling) taken at their paths.
 */
function withEndpoints(
  served: Role | undefined,
  roles: ReadonlyMap<string, Role>,
  names: readonly string[],
): Role {
  const base = served ?? healthOnly(names);
  const endpoints = [...roles].flatMap(([name, role]) => {
    const serves = roleSpec(name).serves;
    const upgrade = role.onUpgrade?.bind(role);
    return role !== served && serves.kind === 'endpoint' && upgrade ? [{ path: serves.path, upgrade }] : [];
  });
  if (endpoints.length === 0) return base;
  return Object.assign(Object.create(base) as Role, {
    onUpgrade(
      request: Parameters<NonNullable<Role['onUpgrade']>>[0],
      socket: Parameters<NonNullable<Role['onUpgrade']>>[1],
      head: Buffer,
    ) {
      const path = new URL(request.url ?? '/', 'http://gochat').pathname;
      const endpoint = endpoints.find((e) => path === e.path);
      if (endpoint) endpoint.upgrade(request, socket, head);
      else if (base.onUpgrade) base.onUpgrade(request, socket, head);
      else socket.destroy();
    },
  });
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
