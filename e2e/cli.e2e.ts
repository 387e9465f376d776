import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

import { childEnv, createTestDatabase, dropTestDatabase, realServer } from '@gochat/testkit';
import pg from 'pg';
import { describe, expect, it } from 'vitest';

import { SECRETS, tempConfig } from './support.ts';

const BIN = fileURLToPath(new URL('../bin/gochat.js', import.meta.url));
const pgUrl = await realServer('postgres');

function gochat(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: childEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the gochat command', () => {
  it('reports every configuration problem at once and exits non-zero before starting anything', async () => {
    const { dir, file } = tempConfig('unknownSection: 1\nrouter:\n  limits:\n    maxDepth: one\n');
    const result = await gochat(['start'], {
      GOCHAT_CONFIG: file,
      DATA_DIR: dir,
      PORT: 'eighty',
      DATABASE_URL: 'mysql://nope',
      MAIL_PROVIDER: 'smtp',
      LOG_LEVEL: 'loud',
    });
    expect(result.code).toBe(2);
    for (const problem of [
      'unknownSection: unknown setting',
      'http.port (PORT)',
      'database.url (DATABASE_URL)',
      'log.level (LOG_LEVEL)',
      'mail.smtp.url',
      'router.limits.maxDepth',
      'secrets.auth (AUTH_SECRET)',
    ])
      expect(result.stderr).toContain(problem);
    expect(result.stdout).not.toContain('listening');
  });

  it('requires the subgraph URLs and secrets when the router runs alone', async () => {
    const result = await gochat(['start', 'router']);
    expect(result.code).toBe(2);
    for (const variable of [
      'ACCOUNTS_URL',
      'GUILDS_URL',
      'MESSAGES_URL',
      'MEDIA_URL',
      'SEARCH_URL',
      'INTERNAL_SECRET',
    ])
      expect(result.stderr).toContain(variable);
  });

  it('refuses embedded PGlite for a role running alone', async () => {
    const result = await gochat(['start', 'subgraph:messages'], SECRETS);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('DATABASE_URL');
  });

  it('names the roles and groups, and refuses an unknown one', async () => {
    const listed = (await gochat(['roles'])).stdout.split('\n').map((line) => line.trim().split(/\s+/)[0]);
    expect(listed).toEqual(
      expect.arrayContaining(['router', 'subgraph:accounts', 'subgraph:guilds', 'subgraph:messages', 'all']),
    );
    const unknown = await gochat(['start', 'subgraph:nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown role');
    const inSet = await gochat(['start', 'router,subgraph:nope']);
    expect(inSet.code).toBe(2);
    expect(inSet.stderr).toContain('Unknown role "subgraph:nope"');
  });

  it('requires only the URLs of the subgraphs outside the router’s set', async () => {
    const result = await gochat(['start', 'router,subgraph:accounts'], SECRETS);
    expect(result.code).toBe(2);
    for (const variable of ['GUILDS_URL', 'MESSAGES_URL', 'MEDIA_URL', 'SEARCH_URL'])
      expect(result.stderr).toContain(variable);
    expect(result.stderr).not.toContain('ACCOUNTS_URL');
  });

  it('refuses two subgraphs without the router: they cannot share one port', async () => {
    const result = await gochat(['start', 'subgraph:accounts,subgraph:guilds'], SECRETS);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cannot share one port without the router');
  });

  // Where mediasoup is installed (MEDIASOUP_WORKER_BIN), the SFU starts: its suites cover that.
  // eslint-disable-next-line no-process-env
  it.skipIf(process.env.MEDIASOUP_WORKER_BIN)(
    'an SFU node without mediasoup exits 2, saying what to install',
    async () => {
      const natsUrl = await realServer('nats');
      const result = await gochat(['start', 'sfu'], {
        ...SECRETS,
        PORT: '0',
        ...(natsUrl ? { NATS_URL: natsUrl } : {}),
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('voice is unavailable: mediasoup is not installed');
      expect(result.stderr).toContain('MEDIASOUP_WORKER_BIN');
    },
  );

  it.runIf(pgUrl)('migrates a PostgreSQL database, and migrating again changes nothing', async () => {
    const url = await createTestDatabase(pgUrl!);
    try {
      expect((await gochat(['migrate'], { DATABASE_URL: url })).code).toBe(0);
      expect((await gochat(['migrate'], { DATABASE_URL: url })).code).toBe(0);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const { rows } = await client.query<{ count: string }>(
        'select count(*) from drizzle.__drizzle_migrations',
      );
      const tables = await client.query<{ table_name: string }>(
        "select table_name from information_schema.tables where table_schema = 'public' order by 1",
      );
      await client.end();
      // One row per migration in the journal, however many times migrate ran.
      const journal = JSON.parse(
        fs.readFileSync(new URL('../drizzle/migrations/meta/_journal.json', import.meta.url), 'utf8'),
      ) as { entries: unknown[] };
      expect(Number(rows[0]!.count)).toBe(journal.entries.length);
      expect(tables.rows.map((r) => r.table_name)).toEqual(
        expect.arrayContaining([
          'user',
          'session',
          'jwks',
          'guilds',
          'guild_members',
          'channels',
          'messages',
          'outbox_events',
          'roles',
          'member_roles',
          'channel_overwrites',
          'invites',
          'bans',
          'audit_log',
          'emojis',
          'channel_recipients',
          'friendships',
          'blocks',
        ]),
      );
    } finally {
      await dropTestDatabase(pgUrl!, url);
    }
  });
});
