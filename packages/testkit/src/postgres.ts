import pg from 'pg';

import { uniqueName } from './real-servers.ts';

/**
 * A fresh database per suite on the real server, so suites never share state and can run in
 * parallel. Names start with gochat_t_ so .ci/run can sweep leftovers of crashed runs.
 */
export async function createTestDatabase(adminUrl: string): Promise<string> {
  const name = uniqueName('gochat_t').toLowerCase();
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropTestDatabase(adminUrl: string, url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  if (!name.startsWith('gochat_t_')) throw new Error(`refusing to drop ${name}: not a test database`);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`drop database if exists "${name}" with (force)`);
  } finally {
    await client.end();
  }
}
