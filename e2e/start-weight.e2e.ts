import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { freePort, startGochat } from '@gochat/testkit';
import { describe, expect, it } from 'vitest';

import { SECRETS } from './support.ts';

const MODULE_LOG = pathToFileURL(path.join(import.meta.dirname, 'fixtures', 'module-log.mjs'));

/**
 * Packages the embedded process must not load to get ready (decisions 0037, 0056, 0057): each was
 * once loaded at start for nothing and cost start time and resident memory. A role that needs one
 * loads it when it first uses it.
 */
const NOT_AT_START = [
  // Real-server clients: embedded mode has PGlite, the in-process bus and memory instead.
  'etcd3',
  '@grpc/grpc-js',
  'pg',
  '@nats-io/transport-node',
  'ioredis',
  '@aws-sdk/client-s3',
  '@opensearch-project/opensearch',
  'cassandra-driver',
  'mediasoup',
  // Image processing: loaded with the first picture.
  'sharp',
  // better-auth's own database adapter (GoChat uses the Drizzle one): better-auth/minimal.
  'kysely',
  // @apollo/gateway's usage metrics (off), supergraph composition and HTTP cache: lazy in its patch.
  '@opentelemetry/sdk-metrics',
  '@opentelemetry/semantic-conventions',
  '@opentelemetry/resource-detector-gcp',
  '@apollo/composition',
  '@apollo/usage-reporting-protobuf',
  'make-fetch-happen',
];

/** Packages every embedded start loads: the log is shown to see both kinds of module. */
const AT_START = ['@electric-sql/pglite', '@apollo/gateway', 'graphql-yoga', 'graphql'];

/** The package a module path or URL belongs to: the part after its last node_modules/. */
function packageOf(module: string): string | undefined {
  const at = module.lastIndexOf('node_modules/');
  if (at < 0) return undefined;
  const [scope, name] = module.slice(at + 'node_modules/'.length).split('/');
  return scope?.startsWith('@') ? `${scope}/${name}` : scope;
}

describe('embedded start loads only what it serves with', () => {
  it('gets ready without the packages of unused servers, images and switched-off features', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-start-weight-'));
    const log = path.join(dir, 'modules.txt');
    const gochat = await startGochat({
      env: { ...SECRETS, DATA_DIR: dir, PORT: String(await freePort()) },
      nodeArgs: ['--import', `${MODULE_LOG.href}?out=${encodeURIComponent(log)}`],
    });
    try {
      await expect.poll(async () => (await fetch(`${gochat.url}/ready`)).status).toBe(200);
    } finally {
      expect(await gochat.stop()).toBe(0);
    }
    const modules = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
    fs.rmSync(dir, { recursive: true, force: true });
    const packages = new Set(modules.map(packageOf).filter((name) => name !== undefined));
    // Both kinds of module are logged: ES (hook, file: URLs) and CommonJS (require.cache, paths).
    expect(modules.some((module) => module.startsWith('file:'))).toBe(true);
    expect(modules.some((module) => module.startsWith('/'))).toBe(true);
    expect(AT_START.filter((name) => !packages.has(name))).toEqual([]);
    expect(NOT_AT_START.filter((name) => packages.has(name))).toEqual([]);
  });
});
