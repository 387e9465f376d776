import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { migrationsFolder } from '@gochat/drizzle';
import type { Logger } from '@gochat/log';

/**
 * A new embedded data directory is a copy of one database made by initdb and migrated (decision
 * 0040): initdb and the migrations are seconds of WebAssembly work, copying their 40 MB of output
 * takes tens of milliseconds. The template is made once per installation (by `npm install`'s
 * postinstall, or by the first start that needs it) under node_modules/.cache, and is named after
 * what its files depend on: PGlite's version (the PostgreSQL build inside it) and the migrations.
 */

const PGLITE_ENTRY = import.meta.resolve('@electric-sql/pglite');
const DRIZZLE_PGLITE = import.meta.resolve('drizzle-orm/pglite');
const DRIZZLE_MIGRATOR = import.meta.resolve('drizzle-orm/pglite/migrator');

/** node_modules/@electric-sql/pglite (its entry is dist/index.js). */
const PGLITE_PACKAGE = path.resolve(fileURLToPath(PGLITE_ENTRY), '..', '..');

/** node_modules/.cache/gochat, beside the PGlite package it was made with. */
export function defaultTemplateRoot(): string {
  return path.resolve(PGLITE_PACKAGE, '..', '..', '.cache', 'gochat');
}

function pgliteVersion(): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(PGLITE_PACKAGE, 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

/** A digest of every migration file: a new or changed migration names a new template. */
function migrationsDigest(): string {
  const hash = createHash('sha256');
  const files = fs.readdirSync(migrationsFolder, { recursive: true, encoding: 'utf8' }).sort();
  for (const file of files) {
    const full = path.join(migrationsFolder, file);
    if (!fs.statSync(full).isFile()) continue;
    hash.update(file).update('\0').update(fs.readFileSync(full)).update('\0');
  }
  return hash.digest('hex').slice(0, 12);
}

const TEMPLATE_PREFIX = 'pglite-';

export function templatePath(root = defaultTemplateRoot()): string {
  return path.join(root, `${TEMPLATE_PREFIX}${pgliteVersion()}-${migrationsDigest()}`);
}

/** Whether `dir` holds a database (initdb writes PG_VERSION). */
export const isInitialised = (dir: string) => fs.existsSync(path.join(dir, 'PG_VERSION'));

/**
 * Runs initdb and the migrations for `dir` in a child process. PGlite runs initdb in a second
 * WebAssembly instance whose memory (several hundred MB) a process keeps after it is closed; a child
 * returns it when it exits.
 */
export async function createDatabaseInChild(dir: string): Promise<void> {
  const code = `const { PGlite } = await import(${JSON.stringify(PGLITE_ENTRY)});
const { drizzle } = await import(${JSON.stringify(DRIZZLE_PGLITE)});
const { migrate } = await import(${JSON.stringify(DRIZZLE_MIGRATOR)});
const client = await PGlite.create(${JSON.stringify(dir)});
await migrate(drizzle({ client }), { migrationsFolder: ${JSON.stringify(migrationsFolder)} });
await client.close();`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const [exitCode] = (await once(child, 'exit')) as [number | null];
  if (exitCode !== 0)
    throw new Error(`creating the database in ${dir} failed (exit ${exitCode}): ${stderr.trim()}`);
}

/**
 * The template's path, made first if missing. It appears whole or not at all: initdb writes to a
 * private directory that is then renamed into place, so processes starting together (tests, a
 * supervisor) may each build one but never read a half-written one; the first rename wins.
 */
export async function ensureTemplate(root = defaultTemplateRoot()): Promise<string> {
  const template = templatePath(root);
  if (isInitialised(template)) return template;
  fs.mkdirSync(root, { recursive: true });
  const scratch = `${template}.tmp-${process.pid}-${randomUUID().slice(0, 8)}`;
  try {
    fs.mkdirSync(scratch);
    await createDatabaseInChild(scratch);
    try {
      fs.renameSync(scratch, template);
      removeOtherTemplates(root, template);
    } catch (error) {
      // Another process renamed its copy first: theirs is as good as ours.
      if (!isInitialised(template)) throw error;
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return template;
}

/** Templates of earlier versions or migrations are never used again; ones being built are left. */
function removeOtherTemplates(root: string, keep: string): void {
  for (const name of fs.readdirSync(root)) {
    const full = path.join(root, name);
    if (full !== keep && name.startsWith(TEMPLATE_PREFIX) && !name.includes('.tmp-'))
      fs.rmSync(full, { recursive: true, force: true });
  }
}

/**
 * Fills the empty directory `dir` with a new database: a copy of the template, or, when no template
 * can be made (a read-only install), initdb and the migrations in a child. Either is written beside `dir` and renamed over it, so a
 * crash part-way leaves an empty directory, not one that looks like a database and is not.
 */
export async function initialiseDataDirectory(
  dir: string,
  log: Logger,
  root = defaultTemplateRoot(),
): Promise<'template' | 'initdb'> {
  let template: string | undefined;
  try {
    template = await ensureTemplate(root);
  } catch (error) {
    log.warn({ err: error, root }, 'database: no PGlite template; this directory gets its own initdb');
  }
  const scratch = `${dir}.tmp-${process.pid}-${randomUUID().slice(0, 8)}`;
  try {
    if (template) fs.cpSync(template, scratch, { recursive: true });
    else {
      fs.mkdirSync(scratch);
      await createDatabaseInChild(scratch);
    }
    if (fs.existsSync(dir)) fs.rmdirSync(dir);
    fs.renameSync(scratch, dir);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return template ? 'template' : 'initdb';
}
