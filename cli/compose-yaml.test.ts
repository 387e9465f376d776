import fs from 'node:fs';

import { ENV_VARS } from '@gochat/config';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { ROLES, ROLE_NAMES, subgraphOf } from './registry.ts';

/**
 * Docker cannot run on these machines, so compose.yaml is checked against the code instead: every
 * variable it sets is one the code reads, and every role the code has runs as a service.
 */
interface Service {
  command?: string[];
  environment?: Record<string, unknown>;
  image?: string;
  build?: unknown;
}

const compose = parse(fs.readFileSync(new URL('../compose.yaml', import.meta.url), 'utf8'), {
  merge: true,
}) as {
  services: Record<string, Service>;
};
const gochatServices = Object.entries(compose.services).filter(([, s]) => s.image === 'gochat:latest');

describe('compose.yaml', () => {
  it('builds every GoChat service from the one Dockerfile', () => {
    expect(gochatServices.length).toBeGreaterThan(0);
    for (const [name, service] of gochatServices) expect(service.build, name).toBe('.');
  });

  it('sets only variables the code reads', () => {
    const known = new Set(Object.keys(ENV_VARS));
    for (const [name, service] of gochatServices)
      for (const variable of Object.keys(service.environment ?? {}))
        expect(known.has(variable), `${name} sets ${variable}, which no code reads`).toBe(true);
  });

  it('runs only roles the code has, and every role the code has', () => {
    const started = gochatServices
      .map(([, s]) => s.command ?? [])
      .filter((command) => command[0] === 'start')
      .map((command) => command[1]);
    for (const role of started) expect(ROLE_NAMES as readonly string[]).toContain(role);
    expect([...new Set(started)].sort()).toEqual([...ROLE_NAMES].sort());
  });

  it('gives every role a distinct snowflake worker id and the secrets it needs', () => {
    const workers = gochatServices.flatMap(([, s]) =>
      s.environment?.WORKER_ID ? [s.environment.WORKER_ID] : [],
    );
    expect(new Set(workers).size).toBe(workers.length);
    for (const [name, service] of gochatServices.filter(([, s]) => s.command?.[0] === 'start')) {
      expect(service.environment?.AUTH_SECRET, name).toBeTruthy();
      expect(service.environment?.INTERNAL_SECRET, name).toBeTruthy();
      expect(service.environment?.DATABASE_URL, name).toBeTruthy();
    }
  });

  /** The value after `flag` in a service's command. */
  const flagValue = (service: string, flag: string) => {
    const command = compose.services[service]?.command ?? [];
    const at = command.indexOf(flag);
    return at >= 0 ? command[at + 1] : undefined;
  };
  // A value compose takes from the environment and refuses to start without: never a password in the file.
  const requiredFromEnv = /^\$\{[A-Z_]+:\?[^}]+\}$/;
  const roles = () => gochatServices.filter(([, s]) => s.command?.[0] === 'start');

  it('runs NATS with authentication, and every role presents the same credentials', () => {
    const user = flagValue('nats', '--user');
    const password = flagValue('nats', '--pass');
    expect(user, 'nats: --user').toBeTruthy();
    expect(password, 'nats: --pass').toMatch(requiredFromEnv);
    for (const [name, service] of roles()) {
      const env = service.environment ?? {};
      expect(new URL(String(env.NATS_URL)).hostname, `${name}: NATS_URL`).toBe('nats');
      expect(env.NATS_USER, `${name}: NATS_USER`).toBe(user);
      expect(env.NATS_PASSWORD, `${name}: NATS_PASSWORD`).toBe(password);
    }
  });

  it('runs Redis with a password, and every role presents it', () => {
    expect(compose.services.redis?.command?.[0]).toBe('redis-server');
    const password = flagValue('redis', '--requirepass');
    expect(password, 'redis: --requirepass').toMatch(requiredFromEnv);
    for (const [name, service] of roles()) {
      const env = service.environment ?? {};
      expect(new URL(String(env.REDIS_URL)).hostname, `${name}: REDIS_URL`).toBe('redis');
      expect(env.REDIS_PASSWORD, `${name}: REDIS_PASSWORD`).toBe(password);
    }
  });

  it('points the router at each subgraph service by the variables the router reads', () => {
    const router = compose.services.router!;
    const subgraphs = Object.values(ROLES).flatMap((spec) => subgraphOf(spec) ?? []);
    expect(subgraphs.length).toBeGreaterThan(0);
    for (const service of subgraphs) {
      const url = new URL(String(router.environment?.[`${service.toUpperCase()}_URL`]));
      expect(url.hostname).toBe(service);
      expect(url.port).toBe(String(compose.services[service]!.environment?.PORT));
    }
  });

  it('starts each role after the infrastructure it needs', () => {
    for (const [, service] of roles()) {
      const role = ROLES[service.command![1] as keyof typeof ROLES];
      const dependsOn = Object.keys((service as { depends_on?: object }).depends_on ?? {});
      if (role.needs.includes('database'))
        expect(dependsOn).toEqual(expect.arrayContaining(['postgres', 'migrate']));
      if (role.needs.includes('bus')) expect(dependsOn).toContain('nats');
      if (role.needs.includes('cache') || role.needs.includes('presence'))
        expect(dependsOn).toContain('redis');
    }
  });
});
