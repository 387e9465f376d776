import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { silentLogger } from '@gochat/log';
import {
  createTestCertificates,
  redisServerBinary,
  startPrivateRedis,
  type PrivateServer,
  type TestCertificates,
} from '@gochat/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { RedisConnection } from './connect-redis.ts';
import type { KeyValueStore } from './port.ts';
import { createRedisStore } from './redis-store.ts';

/**
 * A Redis that requires a password (requirepass) and knows an ACL user, and one that speaks only
 * TLS: the cache connects with what the config gives it, and is refused without it. Private servers
 * on free ports; the machine's shared Redis is never reconfigured.
 */
const binary = redisServerBinary();

describe.runIf(binary)('Redis cache: authentication and TLS', () => {
  const servers: PrivateServer[] = [];
  const stores: KeyValueStore[] = [];
  let dir: string;
  let certs: TestCertificates;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-redis-tls-'));
    certs = createTestCertificates(dir);
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await Promise.all(servers.splice(0).map((server) => server.stop()));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function server(options: Parameters<typeof startPrivateRedis>[1]): Promise<PrivateServer> {
    const started = await startPrivateRedis(binary!, options);
    servers.push(started);
    return started;
  }

  const open = (connection: RedisConnection) =>
    createRedisStore({ ...connection, keyPrefix: 'auth-test:', log: silentLogger });

  /** Connects, then proves the store works with a write and a read. */
  async function works(connection: RedisConnection): Promise<void> {
    const store = await open(connection);
    stores.push(store);
    await store.set('k', 'v');
    expect(await store.get('k')).toBe('v');
  }

  it('connects with the password; refuses to start without it or with a wrong one', async () => {
    const { url } = await server({ args: ['--requirepass', 'correct-horse'] });
    await works({ url, password: 'correct-horse' });
    await expect(open({ url })).rejects.toThrow(/NOAUTH|authentication/i);
    await expect(open({ url, password: 'wrong' })).rejects.toThrow(/WRONGPASS|invalid/i);
  });

  it('connects as an ACL user; refuses another user or password', async () => {
    const { url } = await server({
      args: ['--user', 'default', 'off', '--user', 'gochat', 'on', '>s3cret', '~*', '&*', '+@all'],
    });
    await works({ url, username: 'gochat', password: 's3cret' });
    await expect(open({ url })).rejects.toThrow(/NOAUTH|authentication/i);
    await expect(open({ url, username: 'gochat', password: 'wrong' })).rejects.toThrow(/WRONGPASS|invalid/i);
    await expect(open({ url, username: 'other', password: 's3cret' })).rejects.toThrow(/WRONGPASS|invalid/i);
  });

  it('connects over TLS (rediss://) with the CA and a client certificate; refuses an unknown CA', async () => {
    const { url } = await server({ tls: certs, args: ['--requirepass', 'correct-horse'] });
    expect(url).toMatch(/^rediss:\/\//);
    const pem = (file: string) => fs.readFileSync(file, 'utf8');
    const tls = { ca: pem(certs.ca), cert: pem(certs.clientCert), key: pem(certs.clientKey) };
    await works({ url, password: 'correct-horse', tls });
    await works({ url, password: 'correct-horse', tls: { ca: tls.ca } }); // tls-auth-clients optional
    await expect(open({ url, password: 'correct-horse' })).rejects.toThrow(/certificate/i);
  });
});
