import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { PGlite } from '@electric-sql/pglite';
import type { Logger } from '@gochat/log';
import { afterAll, describe, expect, it, vi } from 'vitest';

import { initialiseDataDirectory, templatePath } from './pglite-template.ts';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-template-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** The public tables of a freshly migrated database, read from the first copy. */
let migrated: string[] = [];

const spyLog = () => ({ warn: vi.fn() }) as unknown as Logger & { warn: ReturnType<typeof vi.fn> };

async function tablesIn(dir: string): Promise<string[]> {
  const db = await PGlite.create(dir);
  try {
    const { rows } = await db.query<{ name: string }>(
      "select tablename as name from pg_tables where schemaname = 'public' order by 1",
    );
    return rows.map((r) => r.name);
  } finally {
    await db.close();
  }
}

// initdb is several seconds of WebAssembly work; a loaded 2-core machine needs room.
describe('a new embedded data directory', { timeout: 120_000 }, () => {
  it('is a copy of one template, made once even when several processes start together', async () => {
    const root = path.join(scratch, 'cache');
    const dirs = ['a', 'b'].map((name) => path.join(scratch, name));
    for (const dir of dirs) fs.mkdirSync(dir);
    const log = spyLog();

    const how = await Promise.all(dirs.map((dir) => initialiseDataDirectory(dir, log, root)));
    migrated = await tablesIn(dirs[1]!);

    expect(how).toEqual(['template', 'template']);
    expect(fs.readdirSync(root)).toEqual([path.basename(templatePath(root))]);
    expect(fs.readdirSync(scratch).filter((name) => name.includes('.tmp-'))).toEqual([]);
    expect(log.warn).not.toHaveBeenCalled();
    expect(migrated).toEqual(expect.arrayContaining(['user', 'guilds', 'messages']));
    // Each copy is a database of its own.
    const first = await PGlite.create(dirs[0]);
    await first.exec('create table only_in_a (id int)');
    await first.close();
    expect(await tablesIn(dirs[0]!)).toContain('only_in_a');
    expect(await tablesIn(dirs[1]!)).not.toContain('only_in_a');
    // A later directory copies the template that is there.
    const later = path.join(scratch, 'later');
    expect(await initialiseDataDirectory(later, log, root)).toBe('template');
    expect(await tablesIn(later)).toEqual(migrated);
  });

  it('falls back to initdb in place, with a warning, when no template can be made', async () => {
    const blocker = path.join(scratch, 'a-file');
    fs.writeFileSync(blocker, '');
    const dir = path.join(scratch, 'fallback');
    fs.mkdirSync(dir);
    const log = spyLog();

    expect(await initialiseDataDirectory(dir, log, path.join(blocker, 'cache'))).toBe('initdb');

    expect(log.warn).toHaveBeenCalledOnce();
    expect(await tablesIn(dir)).toEqual(migrated);
  });

  it('names a template after PGlite and the migrations, and drops those of earlier migrations', async () => {
    const root = path.join(scratch, 'cache');
    const stale = path.join(root, 'pglite-0.0.0-000000000000');
    fs.mkdirSync(stale, { recursive: true });
    fs.writeFileSync(path.join(stale, 'PG_VERSION'), '17');
    fs.rmSync(templatePath(root), { recursive: true });

    expect(await initialiseDataDirectory(path.join(scratch, 'renamed'), spyLog(), root)).toBe('template');

    expect(templatePath(root)).toMatch(/pglite-\d+\.\d+\.\d+-[0-9a-f]{12}$/);
    expect(fs.readdirSync(root)).toEqual([path.basename(templatePath(root))]);
  });

  it('refuses a directory that holds files but no database, and leaves them alone', async () => {
    const root = path.join(scratch, 'cache');
    const dir = path.join(scratch, 'occupied');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');

    await expect(initialiseDataDirectory(dir, spyLog(), root)).rejects.toThrow(/ENOTEMPTY/);

    expect(fs.readdirSync(dir)).toEqual(['notes.txt']);
    expect(fs.readdirSync(scratch).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });
});
