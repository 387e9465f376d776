import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { openDatabase, type DatabaseHandle } from '@gochat/db';
import { outboxEvents, session, user, verification } from '@gochat/drizzle';
import { silentLogger } from '@gochat/log';
import { childEnv } from '@gochat/testkit';
import { eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AdminError, adminCommand, parseAdminArgs, resetLinkSettings } from './admin.ts';
import { loadConfig } from './load-config.ts';

const BIN = fileURLToPath(new URL('../bin/gochat.js', import.meta.url));

function gochat(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: childEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const usageError = (args: string[]) => {
  try {
    parseAdminArgs(args);
  } catch (error) {
    expect(error).toBeInstanceOf(AdminError);
    expect((error as AdminError).exitCode).toBe(2);
    expect((error as AdminError).message).toContain('Usage: gochat admin');
    return (error as AdminError).message;
  }
  throw new Error(`accepted: ${args.join(' ')}`);
};

describe('gochat admin arguments', () => {
  it('takes an action, one account and the ban options', () => {
    expect(parseAdminArgs(['ban', 'a@b.test'])).toEqual({ action: 'ban', user: 'a@b.test' });
    expect(parseAdminArgs(['ban', '123', '--reason', 'spam links', '--until=2999-01-01'])).toEqual({
      action: 'ban',
      user: '123',
      reason: 'spam links',
      until: new Date('2999-01-01'),
    });
    expect(parseAdminArgs(['unban', '123'])).toEqual({ action: 'unban', user: '123' });
    expect(parseAdminArgs(['verify-email', 'a@b.test']).action).toBe('verify-email');
    expect(parseAdminArgs(['reset-password-link', 'a@b.test']).action).toBe('reset-password-link');
  });

  it('refuses bad arguments with the usage (exit code 2)', () => {
    expect(usageError([])).toContain('Name an action');
    expect(usageError(['frobnicate', 'x'])).toContain('Unknown admin action "frobnicate"');
    expect(usageError(['ban'])).toContain('needs a user id or e-mail');
    expect(usageError(['ban', 'a', 'b'])).toContain('One account at a time');
    expect(usageError(['ban', 'a', '--reason'])).toContain('--reason needs a value');
    expect(usageError(['ban', 'a', '--until', 'soon'])).toContain('--until needs a date');
    expect(usageError(['ban', 'a', '--until', '2000-01-01'])).toContain('in the future');
    expect(usageError(['unban', 'a', '--reason', 'x'])).toContain('Unknown option "--reason"');
    expect(usageError(['ban', 'a', '--force'])).toContain('Unknown option "--force"');
  });

  it('builds reset links on the configured page, or the web client’s, or none', () => {
    expect(resetLinkSettings(undefined, { PUBLIC_URL: 'https://chat.example.com' })).toEqual({
      pageUrl: 'https://chat.example.com/reset-password',
      ttlSeconds: 3600,
    });
  });
});

describe('gochat admin on the embedded database', () => {
  let dir: string;
  let handle: DatabaseHandle | undefined;
  const userId = '900000000000000001';
  const email = 'operator-target@admin.test';
  const open = async () => (handle = await openDatabase({ dataDir: dir, poolSize: 1, log: silentLogger }));
  const close = async () => {
    await handle?.close();
    handle = undefined;
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-admin-'));
    const opened = await open();
    await opened.migrate();
    const db = opened.db;
    await db.insert(user).values({ id: userId, name: 'Target', email, emailVerified: false });
    const expiresAt = new Date(Date.now() + 3_600_000);
    await db.insert(session).values([
      { id: 's-1', userId, token: 't-1', expiresAt },
      { id: 's-2', userId, token: 't-2', expiresAt },
    ]);
    await close();
  }, 60_000);
  afterAll(async () => {
    await close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('bans by e-mail: the flag and reason are set, every session ends with SessionRevoked', async () => {
    const config = loadConfig({ roles: [], monolith: false, env: { DATA_DIR: dir } });
    const lines: string[] = [];
    const links = () => ({ ttlSeconds: 60 });
    await adminCommand(config, ['ban', email, '--reason', 'spam'], links, (l) => lines.push(l));
    expect(lines).toEqual([`banned ${email} (${userId}); 2 sessions ended`]);
    await adminCommand(config, ['verify-email', userId], links, (l) => lines.push(l));
    await adminCommand(
      config,
      ['reset-password-link', userId],
      () => ({ pageUrl: 'https://x.test/reset', ttlSeconds: 600 }),
      (l) => lines.push(l),
    );
    const link = new URL(lines[2]!);
    expect(link.origin + link.pathname).toBe('https://x.test/reset');

    const { db } = await open();
    try {
      const [row] = await db.select().from(user).where(eq(user.id, userId));
      expect(row).toMatchObject({ banned: true, banReason: 'spam', banExpires: null, emailVerified: true });
      expect(await db.select().from(session).where(eq(session.userId, userId))).toEqual([]);
      const events = await db.select().from(outboxEvents).where(eq(outboxEvents.type, 'SessionRevoked'));
      expect(events.map((e) => (e.data as { sessionId: string }).sessionId).sort()).toEqual(['s-1', 's-2']);
      const [reset] = await db
        .select()
        .from(verification)
        .where(like(verification.identifier, 'reset-password:%'));
      expect(reset).toMatchObject({
        identifier: `reset-password:${link.searchParams.get('token')}`,
        value: userId,
      });
    } finally {
      await close();
    }
  }, 60_000);

  it('exits 2 with the usage on bad arguments, 1 for an unknown account, 0 after unbanning', async () => {
    const env = { DATA_DIR: dir };
    const noAction = await gochat(['admin'], env);
    expect(noAction.code).toBe(2);
    expect(noAction.stderr).toContain('Usage: gochat admin');
    const unknownAction = await gochat(['admin', 'nuke', email], env);
    expect(unknownAction.code).toBe(2);
    expect(unknownAction.stderr).toContain('Unknown admin action "nuke"');

    const unknown = await gochat(['admin', 'ban', 'nobody@admin.test'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No account with the id or e-mail "nobody@admin.test"');

    const unban = await gochat(['admin', 'unban', userId], env);
    expect(unban.stderr).toBe('');
    expect(unban.code).toBe(0);
    expect(unban.stdout.trim()).toBe(`unbanned ${email} (${userId})`);
    const { db } = await open();
    try {
      const [row] = await db.select().from(user).where(eq(user.id, userId));
      expect(row).toMatchObject({ banned: false, banReason: null });
    } finally {
      await close();
    }
  }, 90_000);
});
