import type { Role, ServiceLink, ServiceLinks } from '@gochat/lifecycle';
import type { z } from 'zod';

import type { Base, Infrastructure, PartName, Parts } from './infrastructure.ts';

/** A schema the supergraph is composed from: a subgraph's, or one the router serves itself. */
export interface SchemaSource {
  /** The subgraph's name in the supergraph (and in `router.subgraphs.<name>`, `<NAME>_URL`). */
  name: string;
  /** Path from the repository root. */
  file: string;
}

/** How `npm run codegen` types a subgraph's resolvers: see codegen.ts. */
export interface SubgraphCodegen {
  /** GraphQL type name → `module#Type` of the row its resolvers receive, relative to generated/. */
  mappers: Record<string, string>;
  /** The module (relative to the subgraph's folder) exporting `<Name>Context`. */
  contextModule: string;
}

/** What a role serves on its port, besides /health, /ready and /metrics. */
export type Serves =
  /** The public API: the federation gateway over every subgraph, and the schemas it serves itself. */
  | { kind: 'router'; ownSchemas: readonly SchemaSource[] }
  /** One subgraph of the supergraph, over HTTP (GraphQL and any REST routes of its own). */
  | { kind: 'subgraph'; schema: SchemaSource; codegen: SubgraphCodegen }
  /** A WebSocket endpoint of its own at `path` (an SFU node's signalling), outside the supergraph. */
  | { kind: 'endpoint'; path: string }
  /** Nothing public: a background consumer with only /health, /ready and /metrics. */
  | { kind: 'worker' };

/** What a role's create() receives: the process-wide base and exactly the parts it declared. */
export interface RoleInfra<N extends PartName> {
  base: Base;
  parts: Pick<Parts, N>;
}

/** One entry of the registry: everything the host, the tools and the tests need to know of a role. */
export interface RoleSpec<S extends z.ZodType = z.ZodType, N extends PartName = PartName> {
  /** One line for `gochat roles`. */
  summary: string;
  serves: Serves;
  /** The settings the role reads; `gochat start` validates it for every role it runs. */
  configSchema: S;
  /** The port it listens on when it is the one served (PORT overrides). */
  defaultPort: number;
  /** Infrastructure parts it uses; the host starts exactly the union of its roles' needs. */
  needs: readonly N[];
  /** Parts whose schema migrations it applies at start (at most one kind of process per part). */
  migrates?: readonly N[];
  /** Builds the role; its module is imported here, lazily, so a process loads only its roles' code. */
  create(config: z.infer<S>, infra: RoleInfra<N>, links: ServiceLinks): Promise<Role>;
}

/** Checks an entry against its own config schema and needs, then widens it for the registry. */
export const defineRole = <S extends z.ZodType, N extends PartName>(spec: RoleSpec<S, N>) =>
  spec as unknown as RoleSpec;

/** The parts a role declared, picked from what the host started. */
export function roleInfra(spec: RoleSpec, infra: Infrastructure): RoleInfra<PartName> {
  return { base: infra.base, parts: infra.require(...spec.needs) };
}

/** The link to one subgraph; a role that needs it fails to start without it (a wiring bug). */
export function requiredLink(links: ServiceLinks, subgraph: string): ServiceLink {
  const link = links[subgraph];
  if (!link) throw new Error(`no service link for subgraph ${subgraph}`);
  return link;
}
