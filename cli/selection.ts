import type { PartName } from './infrastructure.ts';
import { GROUPS, ROLES, subgraphOf, type Registry } from './registry.ts';

/** A `gochat start` target that cannot run: the CLI prints it and exits 2. */
export class SelectionError extends Error {}

/**
 * The roles `gochat start` targets name: role names and group names, comma-separated or as several
 * arguments; none is the `all` group. Returned once each, in registry order.
 */
export function selectRoles(
  targets: readonly string[],
  registry: Registry = ROLES,
  groups: Readonly<Record<string, readonly string[]>> = GROUPS,
): string[] {
  const names = targets.flatMap((target) => target.split(',')).map((name) => name.trim());
  const chosen = new Set<string>();
  for (const name of names.length > 0 ? names : ['all']) {
    if (Object.hasOwn(registry, name)) chosen.add(name);
    else if (Object.hasOwn(groups, name)) for (const role of groups[name]!) chosen.add(role);
    else
      throw new SelectionError(
        `Unknown role "${name}". Roles: ${Object.keys(registry).join(', ')}. Groups: ${Object.keys(groups).join(', ')}.`,
      );
  }
  return Object.keys(registry).filter((name) => chosen.has(name));
}

/** How one process runs a set of roles. */
export interface StartPlan {
  /** The roles, in the order they are created: every other role first, the router last. */
  roles: string[];
  /**
   * The role whose routes the port serves: the router, or the one subgraph or endpoint; none: health
   * only. Endpoints beside the router are served on its port at their paths (start.ts).
   */
  served: string | undefined;
  /** Subgraphs the router reaches in this process, and those it reaches at `router.subgraphs.<name>`. */
  inProcess: string[];
  overHttp: string[];
  /** Infrastructure the roles need, and the parts whose migrations the process applies. */
  needs: PartName[];
  migrates: PartName[];
  /** Every role of the registry runs here: embedded defaults apply (PGlite, generated secrets). */
  whole: boolean;
}

/**
 * Plans a process for `roles` (registry names, as selectRoles returns them). With the router in the
 * set the router serves the port and the set's subgraphs are called in-process. Without it, one
 * port cannot serve two subgraphs: such a set is refused. Workers serve only /health, /ready, /metrics.
 */
export function planStart(roles: readonly string[], registry: Registry = ROLES): StartPlan {
  const specs = roles.map((name) => registry[name]!);
  const routers = roles.filter((name) => registry[name]!.serves.kind === 'router');
  const subgraphRoles = roles.filter((name) => registry[name]!.serves.kind === 'subgraph');
  const endpoints = roles.filter((name) => registry[name]!.serves.kind === 'endpoint');
  if (routers.length > 1)
    throw new SelectionError(`Only one router runs in a process: ${routers.join(', ')}.`);
  if (routers.length === 0 && subgraphRoles.length + endpoints.length > 1)
    throw new SelectionError(
      `${[...subgraphRoles, ...endpoints].join(', ')} cannot share one port without the router: start each in its own process, or add the router.`,
    );
  const inProcess = subgraphRoles.map((name) => subgraphOf(registry[name]!)!);
  const allSubgraphs = Object.values(registry).flatMap((spec) => subgraphOf(spec) ?? []);
  return {
    roles: [...roles.filter((name) => !routers.includes(name)), ...routers],
    served: routers[0] ?? subgraphRoles[0] ?? endpoints[0],
    inProcess: routers.length > 0 ? inProcess : [],
    overHttp: routers.length > 0 ? allSubgraphs.filter((name) => !inProcess.includes(name)) : [],
    needs: [...new Set(specs.flatMap((spec) => spec.needs))],
    migrates: [...new Set(specs.flatMap((spec) => spec.migrates ?? []))],
    whole: Object.keys(registry).every((name) => roles.includes(name)),
  };
}

/** The names `gochat roles` prints: every role, then every group with its roles. */
export function describeRoles(registry: Registry = ROLES, groups = GROUPS): string {
  const width = Math.max(...Object.keys(registry).map((name) => name.length));
  const roles = Object.entries(registry).map(([name, spec]) => `${name.padEnd(width)}  ${spec.summary}`);
  const named = Object.entries(groups).map(
    ([name, members]) => `${name.padEnd(width)}  ${members.join(',')}`,
  );
  return `Roles:\n${roles.map((line) => `  ${line}`).join('\n')}\n\nGroups:\n${named.map((line) => `  ${line}`).join('\n')}`;
}
