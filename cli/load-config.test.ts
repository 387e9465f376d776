import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ConfigError } from '@gochat/config';
import { afterEach, describe, expect, it } from 'vitest';

import type { RouterConfig } from '../router/config.ts';
import type { AccountsConfig } from '../subgraphs/accounts/config.ts';
import { localUrl } from './host-config.ts';
import { loadConfig } from './load-config.ts';
import { ROLE_NAMES } from './registry.ts';

const INTERNAL = 'i'.repeat(32);
const AUTH = 'a'.repeat(32);

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-config-'));
  dirs.push(dir);
  return dir;
}
function yamlFile(text: string): string {
  const file = path.join(tmpDir(), 'gochat.yaml');
  fs.writeFileSync(file, text);
  return file;
}

/** The problems of the ConfigError loadConfig throws; fails the test if it throws anything else. */
function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

const monolith = (env: Record<string, string>, file?: string) =>
  loadConfig({ roles: [...ROLE_NAMES], monolith: true, file, env });

describe('loadConfig', () => {
  it('reports every problem at once', () => {
    const file = yamlFile('colour: blue\nmail:\n  provider: smtp\n');
    const problems = problemsOf(() =>
      loadConfig({
        roles: ['subgraph:accounts'],
        monolith: false,
        file,
        env: {
          PORT: 'eighty',
          DATABASE_URL: 'mysql://db/gochat',
          AUTH_SECRET: AUTH,
          INTERNAL_SECRET: INTERNAL,
        },
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^colour: unknown setting/),
      expect.stringMatching(/^\[host\] http\.port \(PORT\): /),
      '[host] database.url (DATABASE_URL): must be a postgres:// URL',
      '[subgraph:accounts] mail.smtp.url (SMTP_URL): required when mail.provider is smtp',
    ]);
    // One error, one message with all of them.
    expect(() =>
      loadConfig({ roles: ['subgraph:accounts'], monolith: false, file, env: { PORT: 'eighty' } }),
    ).toThrow(/colour[\s\S]*PORT[\s\S]*SMTP_URL/);
  });

  it('lets environment variables override the file; empty ones count as unset', () => {
    const file = yamlFile('log:\n  level: debug\nhttp:\n  host: 0.0.0.0\n  port: 5000\n');
    const env = { DATABASE_URL: 'postgres://db/gochat', INTERNAL_SECRET: INTERNAL };
    const overridden = loadConfig({
      roles: ['subgraph:guilds'],
      monolith: false,
      file,
      env: { ...env, PORT: '6000' },
    });
    expect(overridden.host.http).toEqual({ host: '0.0.0.0', port: 6000 });
    expect(overridden.host.log.level).toBe('debug');
    expect(overridden.host.database.url).toBe('postgres://db/gochat');
    expect(overridden.roles['subgraph:guilds']).toEqual({ secrets: { internal: INTERNAL } });

    const blank = loadConfig({
      roles: ['subgraph:guilds'],
      monolith: false,
      file,
      env: { ...env, PORT: '' },
    });
    expect(blank.host.http.port).toBe(5000);
  });

  it('reads the file named by GOCHAT_CONFIG when no file is given', () => {
    const file = yamlFile('http:\n  port: 5001\n');
    const config = loadConfig({
      roles: ['router'],
      monolith: false,
      env: {
        GOCHAT_CONFIG: file,
        INTERNAL_SECRET: INTERNAL,
        ACCOUNTS_URL: 'http://accounts:4001',
        GUILDS_URL: 'http://guilds:4002',
        MESSAGES_URL: 'http://messages:4003',
        MEDIA_URL: 'http://media:4004',
        SEARCH_URL: 'http://search:4005',
        VOICE_URL: 'http://voice:4006',
      },
    });
    expect(config.host.http.port).toBe(5001);
  });

  it('reports a YAML syntax error as a problem, not a raw throw', () => {
    const file = yamlFile('http:\n  port: [4000\nlog: {level: info\n');
    const problems = problemsOf(() =>
      loadConfig({ roles: ['router'], monolith: false, file, env: { INTERNAL_SECRET: INTERNAL } }),
    );
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toContain(`config file ${file}:`);
  });

  it('reports a missing config file', () => {
    const file = path.join(tmpDir(), 'missing.yaml');
    expect(problemsOf(() => monolith({ DATA_DIR: tmpDir() }, file))).toEqual([`config file ${file}: ENOENT`]);
  });

  it('requires the subgraph URLs when the router runs alone', () => {
    const problems = problemsOf(() =>
      loadConfig({ roles: ['router'], monolith: false, env: { INTERNAL_SECRET: INTERNAL } }),
    );
    expect(problems).toEqual([
      '[router] router.subgraphs.accounts (ACCOUNTS_URL): required when the router runs alone',
      '[router] router.subgraphs.guilds (GUILDS_URL): required when the router runs alone',
      '[router] router.subgraphs.messages (MESSAGES_URL): required when the router runs alone',
      '[router] router.subgraphs.media (MEDIA_URL): required when the router runs alone',
      '[router] router.subgraphs.search (SEARCH_URL): required when the router runs alone',
      '[router] router.subgraphs.voice (VOICE_URL): required when the router runs alone',
    ]);
  });

  it('requires only the URLs of the subgraphs outside the router’s set, and knows no other subgraph', () => {
    const env = { INTERNAL_SECRET: INTERNAL, DATABASE_URL: 'postgres://db/gochat' };
    expect(
      problemsOf(() => loadConfig({ roles: ['router', 'subgraph:messages'], monolith: false, env })),
    ).toEqual([
      '[router] router.subgraphs.accounts (ACCOUNTS_URL): required when the router runs without the accounts subgraph',
      '[router] router.subgraphs.guilds (GUILDS_URL): required when the router runs without the guilds subgraph',
      '[router] router.subgraphs.media (MEDIA_URL): required when the router runs without the media subgraph',
      '[router] router.subgraphs.search (SEARCH_URL): required when the router runs without the search subgraph',
      '[router] router.subgraphs.voice (VOICE_URL): required when the router runs without the voice subgraph',
    ]);
    const urls = {
      ACCOUNTS_URL: 'http://accounts:4001',
      GUILDS_URL: 'http://guilds:4002',
      MEDIA_URL: 'http://media:4004',
      SEARCH_URL: 'http://search:4005',
      VOICE_URL: 'http://voice:4006',
    };
    const config = loadConfig({
      roles: ['router', 'subgraph:messages'],
      monolith: false,
      env: { ...env, ...urls },
    });
    expect(config.host.http.port).toBe(4000);
    expect(Object.keys(config.roles)).toEqual(['router', 'subgraph:messages']);
    const file = yamlFile('router:\n  subgraphs:\n    calls: http://calls:4009\n');
    expect(
      problemsOf(() =>
        loadConfig({
          roles: ['router', 'subgraph:messages'],
          monolith: false,
          file,
          env: { ...env, ...urls },
        }),
      ),
    ).toEqual([
      '[router] router.subgraphs.calls: no such subgraph (subgraphs: accounts, guilds, messages, media, search, voice)',
    ]);
  });

  it('uses the default port of the role that runs alone', () => {
    const config = loadConfig({
      roles: ['subgraph:messages'],
      monolith: false,
      env: { DATABASE_URL: 'postgres://db/gochat', INTERNAL_SECRET: INTERNAL },
    });
    expect(config.host.http.port).toBe(4003);
  });

  it('loads the host config for a command that runs no role (migrate)', () => {
    const config = loadConfig({ roles: [], monolith: false, env: { DATABASE_URL: 'postgres://db/gochat' } });
    expect(config.host.database.url).toBe('postgres://db/gochat');
    expect(config.roles).toEqual({});
  });

  describe('monolith', () => {
    it('generates secrets into dataDir with no DATABASE_URL, and reuses them on the next load', () => {
      const dataDir = path.join(tmpDir(), 'data');
      const first = monolith({ DATA_DIR: dataDir });
      const stored = JSON.parse(fs.readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')) as {
        auth: string;
        internal: string;
      };
      expect(stored.auth.length).toBeGreaterThanOrEqual(32);
      expect(stored.internal.length).toBeGreaterThanOrEqual(32);
      expect(stored.auth).not.toBe(stored.internal);
      expect((first.roles.router as RouterConfig).secrets).toEqual({ internal: stored.internal });
      expect((first.roles['subgraph:accounts'] as AccountsConfig).secrets).toEqual(stored);

      const second = monolith({ DATA_DIR: dataDir });
      expect((second.roles['subgraph:accounts'] as AccountsConfig).secrets).toEqual(stored);
    });

    it('prefers secrets given in the environment over generated ones', () => {
      const config = monolith({ DATA_DIR: tmpDir(), AUTH_SECRET: AUTH });
      const secrets = (config.roles['subgraph:accounts'] as AccountsConfig).secrets;
      expect(secrets.auth).toBe(AUTH);
      expect(secrets.internal).not.toBe(INTERNAL);
    });

    it('requires the secrets, naming their variables, when DATABASE_URL is set', () => {
      const dataDir = path.join(tmpDir(), 'data');
      const problems = problemsOf(() =>
        monolith({ DATA_DIR: dataDir, DATABASE_URL: 'postgres://db/gochat' }),
      );
      expect(problems).toContain(
        '[router] secrets.internal (INTERNAL_SECRET): Invalid input: expected string, received undefined',
      );
      expect(problems.some((p) => p.startsWith('[subgraph:accounts] secrets.auth (AUTH_SECRET):'))).toBe(
        true,
      );
      expect(problems.every((p) => /\((AUTH|INTERNAL)_SECRET\)/.test(p))).toBe(true);
      // Nothing is generated for processes that share a real database.
      expect(fs.existsSync(path.join(dataDir, 'secrets.json'))).toBe(false);
    });

    it('does not report generated secrets as missing when an unrelated host setting is wrong', () => {
      expect(problemsOf(() => monolith({ DATA_DIR: tmpDir(), PORT: 'eighty' }))).toEqual([
        expect.stringMatching(/^\[host\] http\.port \(PORT\): /),
      ]);
    });

    it('defaults publicUrl to the address the start banner shows: http://<host>:<port>', () => {
      const config = monolith({ DATA_DIR: tmpDir(), PORT: '4100' });
      expect(config.host.http.port).toBe(4100);
      const banner = localUrl(config.host.http.host, 4100);
      expect(banner).toBe('http://127.0.0.1:4100');
      expect((config.roles.router as RouterConfig).publicUrl).toBe(banner);
      expect((config.roles['subgraph:accounts'] as AccountsConfig).publicUrl).toBe(banner);

      // Listening on every interface, both name loopback; a specific address is used as it is.
      const everywhere = monolith({ DATA_DIR: tmpDir(), PORT: '4101', HOST: '0.0.0.0' });
      expect((everywhere.roles.router as RouterConfig).publicUrl).toBe('http://127.0.0.1:4101');
      expect(localUrl('0.0.0.0', 4101)).toBe('http://127.0.0.1:4101');
      const ipv6 = monolith({ DATA_DIR: tmpDir(), PORT: '4102', HOST: '::1' });
      expect((ipv6.roles.router as RouterConfig).publicUrl).toBe('http://[::1]:4102');
      expect(localUrl('::1', 4102)).toBe('http://[::1]:4102');

      const given = monolith({ DATA_DIR: tmpDir(), PORT: '4100', PUBLIC_URL: 'https://chat.example.com' });
      expect((given.roles.router as RouterConfig).publicUrl).toBe('https://chat.example.com');
    });
  });

  describe('NODE_ENV=production', () => {
    const routerOf = (config: ReturnType<typeof monolith>) => (config.roles.router as RouterConfig).router;

    it('turns GraphiQL and introspection off and moves /metrics to port 9464; development keeps them', () => {
      const development = monolith({ DATA_DIR: tmpDir() });
      expect(routerOf(development)).toMatchObject({ graphiql: true, introspection: true });
      expect(development.host.metrics.port).toBeUndefined();

      const production = monolith({ DATA_DIR: tmpDir(), NODE_ENV: 'production' });
      expect(routerOf(production)).toMatchObject({ graphiql: false, introspection: false });
      expect(production.host.metrics.port).toBe(9464);
    });

    it('keeps what the file or a variable says', () => {
      const file = yamlFile('router:\n  graphiql: true\nmetrics:\n  port: 9100\n');
      const config = loadConfig({
        roles: [...ROLE_NAMES],
        monolith: true,
        file,
        env: { DATA_DIR: tmpDir(), NODE_ENV: 'production', INTROSPECTION: 'true' },
      });
      expect(routerOf(config)).toMatchObject({ graphiql: true, introspection: true });
      expect(config.host.metrics.port).toBe(9100);
      const variable = monolith({ DATA_DIR: tmpDir(), NODE_ENV: 'production', METRICS_PORT: '0' });
      expect(variable.host.metrics.port).toBe(0);
    });
  });

  it('reads CORS origins as a comma-separated list and refuses what is no origin', () => {
    const config = monolith({
      DATA_DIR: tmpDir(),
      CORS_ORIGINS: 'https://app.example.com, http://localhost:3000',
    });
    expect((config.roles.router as RouterConfig).router.cors.origins).toEqual([
      'https://app.example.com',
      'http://localhost:3000',
    ]);
    expect(
      problemsOf(() => monolith({ DATA_DIR: tmpDir(), CORS_ORIGINS: 'https://app.example.com/path' })),
    ).toEqual([expect.stringMatching(/^\[router\] router\.cors\.origins\.0: an origin/)]);
  });
});
