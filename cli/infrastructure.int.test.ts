import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { Env } from '@gochat/config';
import { Lifecycle } from '@gochat/lifecycle';
import { createMetricsRegistry, silentLogger } from '@gochat/log';
import {
  createTestCertificates,
  natsServerBinary,
  postgresBinDir,
  redisServerBinary,
  startPrivateNats,
  startPrivatePostgresTls,
  startPrivateRedis,
  type PrivateServer,
  type TestCertificates,
} from '@gochat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { connectInfrastructure, type PartName } from './infrastructure.ts';
import { loadConfig } from './load-config.ts';

/**
 * From environment variables to connected servers: NATS that requires a password, Redis that
 * requires one (cache and presence store), and PostgreSQL that accepts only TLS with a client
 * certificate. Each is private to this test, on a free port.
 */
const binaries = {
  nats: natsServerBinary(),
  redis: redisServerBinary(),
  postgres: postgresBinDir(),
};
const available = binaries.nats !== null && binaries.redis !== null && binaries.postgres !== null;

describe.runIf(available)('connectInfrastructure with credentials and TLS from the environment', () => {
  let dir: string;
  let certs: TestCertificates;
  const servers: Record<'nats' | 'redis' | 'postgres', PrivateServer> = {} as never;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-infra-auth-'));
    certs = createTestCertificates(dir);
    servers.nats = await startPrivateNats(binaries.nats!, {
      args: ['--user', 'gochat', '--pass', 'nats-pw'],
    });
    servers.redis = await startPrivateRedis(binaries.redis!, { args: ['--requirepass', 'redis-pw'] });
    servers.postgres = await startPrivatePostgresTls(binaries.postgres!, certs);
  });
  afterAll(async () => {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Loads the config from `env` and connects what `needs` asks for (applying `migrate`'s migrations);
   * resolves once connected and closed.
   */
  async function connect(env: Env, needs: PartName[], migrate: PartName[] = []) {
    const { host } = loadConfig({ roles: [], monolith: false, env });
    const lifecycle = new Lifecycle(silentLogger, 5_000);
    const base = { log: silentLogger, metrics: createMetricsRegistry({ defaultMetrics: false }), lifecycle };
    try {
      await connectInfrastructure(host, needs, base, migrate);
      expect((await lifecycle.readiness()).ready).toBe(true);
    } finally {
      await lifecycle.shutdown('test');
    }
  }

  const realtime: PartName[] = ['bus', 'cache', 'presence'];

  it('connects the bus, the cache and the presence store with NATS_* and REDIS_* credentials', async () => {
    const env = {
      NATS_URL: servers.nats.url,
      NATS_USER: 'gochat',
      NATS_PASSWORD: 'nats-pw',
      REDIS_URL: servers.redis.url,
      REDIS_PASSWORD: 'redis-pw',
    };
    await connect(env, realtime);
    await expect(connect({ ...env, NATS_PASSWORD: 'wrong' }, realtime)).rejects.toThrow(/authorization/i);
    await expect(connect({ ...env, REDIS_PASSWORD: undefined }, realtime)).rejects.toThrow(/NOAUTH/);
    const presenceOnly: PartName[] = ['presence'];
    await expect(connect({ ...env, REDIS_PASSWORD: 'wrong' }, presenceOnly)).rejects.toThrow(
      /WRONGPASS|invalid/i,
    );
  });

  it('connects to PostgreSQL over TLS with DATABASE_TLS_* files, and migrates through it', async () => {
    const database: PartName[] = ['database'];
    const env = {
      DATABASE_URL: servers.postgres.url,
      DATABASE_TLS_CA_FILE: certs.ca,
      DATABASE_TLS_CERT_FILE: certs.clientCert,
      DATABASE_TLS_KEY_FILE: certs.clientKey,
    };
    // The server's database is empty: a role that migrates brings it up to date over TLS, after
    // which one that does not migrate starts at once.
    await connect(env, database, database);
    await connect(env, database);
    await expect(connect({ DATABASE_URL: servers.postgres.url }, database)).rejects.toThrow(/pg_hba/);
  });

  it('reports a TLS file it cannot read as a configuration problem, naming the variable', () => {
    const env = { DATABASE_URL: servers.postgres.url, DATABASE_TLS_CA_FILE: path.join(dir, 'missing.pem') };
    expect(() => loadConfig({ roles: [], monolith: false, env })).toThrow(
      /database\.tls\.caFile \(DATABASE_TLS_CA_FILE\): is not a readable file/,
    );
  });
});
