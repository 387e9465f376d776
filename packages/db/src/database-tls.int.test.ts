import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { silentLogger } from '@gochat/log';
import {
  createTestCertificates,
  postgresBinDir,
  startPrivatePostgresTls,
  type PrivateServer,
  type TestCertificates,
} from '@gochat/testkit';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openDatabase, queryRows, type DatabaseHandle, type PostgresTls } from './database.ts';

/**
 * A private PostgreSQL that accepts only TLS connections presenting a client certificate signed by
 * the test CA (pg_hba `hostssl ... cert`, `hostnossl ... reject`).
 */
const binDir = postgresBinDir();

describe.runIf(binDir !== null)('PostgreSQL over TLS', () => {
  let dir: string;
  let certs: TestCertificates;
  let server: PrivateServer;
  let tls: PostgresTls;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-pg-tls-'));
    certs = createTestCertificates(dir);
    server = await startPrivatePostgresTls(binDir!, certs);
    const pem = (file: string) => fs.readFileSync(file, 'utf8');
    tls = { ca: pem(certs.ca), cert: pem(certs.clientCert), key: pem(certs.clientKey) };
  });
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const open = (url: string, tlsOptions?: PostgresTls) =>
    openDatabase({ url, tls: tlsOptions, dataDir: dir, poolSize: 2, log: silentLogger });

  /** Connects and checks the session really is encrypted. */
  async function encrypted(handle: DatabaseHandle): Promise<void> {
    try {
      const rows = await queryRows<{ ssl: boolean }>(
        handle.db,
        sql`select ssl from pg_stat_ssl where pid = pg_backend_pid()`,
      );
      expect(rows).toEqual([{ ssl: true }]);
    } finally {
      await handle.close();
    }
  }

  it('connects with the CA and a client certificate (TLS settings alone mean verify-full)', async () => {
    await encrypted(await open(server.url, tls));
    await encrypted(await open(`${server.url}?sslmode=verify-full`, tls));
    await encrypted(await open(`${server.url}?sslmode=verify-ca`, tls));
  });

  it('takes sslrootcert, sslcert and sslkey from the URL', async () => {
    const params = new URLSearchParams({
      sslmode: 'verify-full',
      sslrootcert: certs.ca,
      sslcert: certs.clientCert,
      sslkey: certs.clientKey,
    });
    await encrypted(await open(`${server.url}?${params}`));
  });

  it('with sslmode=require encrypts without checking the certificate, as libpq does', async () => {
    await encrypted(await open(`${server.url}?sslmode=require`, { cert: tls.cert, key: tls.key }));
  });

  it('is refused in the clear, without a client certificate, and against an unknown CA', async () => {
    await expect(open(server.url)).rejects.toThrow(/pg_hba|reject/);
    await expect(open(`${server.url}?sslmode=disable`)).rejects.toThrow(/pg_hba|reject/);
    await expect(open(server.url, { ca: tls.ca })).rejects.toThrow(/certificate/);
    await expect(open(server.url, { cert: tls.cert, key: tls.key })).rejects.toThrow(/certificate/);
  });
});
