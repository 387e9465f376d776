import fs from 'node:fs';

import { ENV_VARS } from '@gochat/config';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { PARTS } from './infrastructure.ts';
import { ROLES, composedSchemas, subgraphOf, subgraphSchemas, type Registry } from './registry.ts';
import { defineRole } from './role-spec.ts';
import { planStart, selectRoles } from './selection.ts';

const root = new URL('../', import.meta.url);

describe('the role registry', () => {
  it('lets only the messages role apply the CQL migrations at start; guilds uses the message store', () => {
    const migrating = Object.entries(ROLES)
      .filter(([, spec]) => spec.migrates?.includes('timeline'))
      .map(([name]) => name);
    expect(migrating).toEqual(['subgraph:messages']);
    expect(ROLES['subgraph:guilds'].needs).toContain('timeline');
    expect(ROLES.router.needs).not.toContain('timeline');
  });

  it('names each subgraph role subgraph:<its schema name>, with a schema file and a URL variable', () => {
    for (const [name, spec] of Object.entries(ROLES)) {
      const subgraph = subgraphOf(spec);
      if (!subgraph) continue;
      expect(name).toBe(`subgraph:${subgraph}`);
      expect(ENV_VARS, `${subgraph.toUpperCase()}_URL`).toHaveProperty(
        `${subgraph.toUpperCase()}_URL.path`,
        `router.subgraphs.${subgraph}`,
      );
    }
    for (const schema of composedSchemas())
      expect(fs.existsSync(new URL(schema.file, root)), schema.file).toBe(true);
  });

  it('gives every role its own default port, and migrates only parts the role needs', () => {
    const ports = Object.values(ROLES).map((spec) => spec.defaultPort);
    expect(new Set(ports).size).toBe(ports.length);
    for (const spec of Object.values(ROLES))
      for (const part of spec.migrates ?? []) expect(spec.needs).toContain(part);
  });

  it('declares each part once, requiring only declared parts', () => {
    for (const spec of Object.values(PARTS))
      for (const other of [...(spec.requires ?? []), ...(spec.follows ?? [])])
        expect(PARTS).toHaveProperty(other);
  });
});

/**
 * A worker is one more entry: no public GraphQL, only /health, /ready and /metrics, and the bus.
 * This example is what workers/ adds for real (docs/decisions/0032-role-registry.md).
 */
describe('a registry with a worker role', () => {
  const worker = defineRole({
    summary: 'an example worker',
    serves: { kind: 'worker' },
    configSchema: z.object({}),
    defaultPort: 4100,
    needs: ['bus'],
    create: () =>
      Promise.resolve({
        name: 'worker:example',
        fetch: () => Promise.resolve(new Response(null, { status: 404 })),
      }),
  });
  const registry: Registry = { ...ROLES, 'worker:example': worker };

  it('leaves the composition and codegen alone', () => {
    expect(subgraphSchemas(registry)).toEqual(subgraphSchemas());
    expect(composedSchemas(registry)).toEqual(composedSchemas());
  });

  it('runs alone with the bus only, serving health alone', () => {
    const plan = planStart(selectRoles(['worker:example'], registry, {}), registry);
    expect(plan).toMatchObject({
      served: undefined,
      needs: ['bus'],
      migrates: [],
      overHttp: [],
      whole: false,
    });
  });

  it('runs beside one subgraph, which keeps the port', () => {
    const plan = planStart(selectRoles(['worker:example,subgraph:accounts'], registry, {}), registry);
    expect(plan.served).toBe('subgraph:accounts');
    expect(plan.roles).toEqual(['subgraph:accounts', 'worker:example']);
  });

  it('is part of everything', () => {
    const plan = planStart(Object.keys(registry), registry);
    expect(plan).toMatchObject({ served: 'router', whole: true });
    expect(plan.roles.at(-1)).toBe('router');
  });
});
