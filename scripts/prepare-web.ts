/**
 * `npm install`'s postinstall, after the database template: builds the web client (clients/web, Vite)
 * into clients/web/dist when that is missing or older than its sources, so `npm start` serves the app
 * at / (decision 0042). It never fails the install: on any problem it warns, and the router answers /
 * with a page naming `npm run build:web` until a build is there.
 *
 * Stale means: no dist/index.html; or the content hash of the inputs differs from the one the last
 * build wrote into dist/.gochat-build.json; or, without that stamp (`npm run build:web` by hand, whose
 * Vite empties dist), an input newer than dist/index.html.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');

/** What a build reads, from the repository root: a change to any of these makes dist stale. */
export const WEB_INPUTS = [
  'clients/web/index.html',
  'clients/web/vite.config.ts',
  'clients/web/package.json',
  'clients/web/src',
  'clients/web/public',
  'packages/react/package.json',
  'packages/react/src',
];
export const WEB_DIST = 'clients/web/dist';
export const STAMP = '.gochat-build.json';

/** Every file of the inputs that exists, as paths from the root, sorted (node_modules left out). */
function inputFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (relative: string) => {
    const stat = fs.statSync(path.join(root, relative), { throwIfNoEntry: false });
    if (stat?.isFile()) files.push(relative);
    else if (stat?.isDirectory())
      for (const entry of fs.readdirSync(path.join(root, relative)))
        if (entry !== 'node_modules') walk(path.posix.join(relative, entry));
  };
  for (const input of WEB_INPUTS) walk(input);
  return files.sort();
}

/** A hash of the inputs' names and contents. */
export function inputsHash(root: string): string {
  const hash = crypto.createHash('sha256');
  for (const file of inputFiles(root))
    hash.update(`${file}\0`).update(fs.readFileSync(path.join(root, file)));
  return hash.digest('hex');
}

export type WebBuildState =
  | { kind: 'no-sources' }
  | { kind: 'fresh'; hash: string; stamped: boolean }
  | { kind: 'stale'; hash: string; reason: string };

export function webBuildState(root: string): WebBuildState {
  if (!fs.existsSync(path.join(root, 'clients/web/index.html'))) return { kind: 'no-sources' };
  const hash = inputsHash(root);
  const index = fs.statSync(path.join(root, WEB_DIST, 'index.html'), { throwIfNoEntry: false });
  if (!index) return { kind: 'stale', hash, reason: 'not built yet' };
  let stamp: { inputs?: unknown } | undefined;
  try {
    stamp = JSON.parse(fs.readFileSync(path.join(root, WEB_DIST, STAMP), 'utf8')) as { inputs?: unknown };
  } catch {
    stamp = undefined;
  }
  if (stamp)
    return stamp.inputs === hash
      ? { kind: 'fresh', hash, stamped: true }
      : { kind: 'stale', hash, reason: 'its sources changed since the last build' };
  const newest = Math.max(...inputFiles(root).map((file) => fs.statSync(path.join(root, file)).mtimeMs));
  return newest <= index.mtimeMs
    ? { kind: 'fresh', hash, stamped: false }
    : { kind: 'stale', hash, reason: 'a source is newer than the build' };
}

export function writeStamp(root: string, hash: string): void {
  fs.writeFileSync(
    path.join(root, WEB_DIST, STAMP),
    `${JSON.stringify({ inputs: hash, builtAt: new Date().toISOString() })}\n`,
  );
}

const viteInstalled = (root: string) =>
  ['clients/web/node_modules/.bin/vite', 'node_modules/.bin/vite'].some((bin) =>
    fs.existsSync(path.join(root, bin)),
  );

function prepare(root: string): void {
  const state = webBuildState(root);
  if (state.kind === 'no-sources') {
    console.log('gochat: no web client sources here (clients/web/index.html); nothing to build');
    return;
  }
  if (state.kind === 'fresh') {
    if (!state.stamped) writeStamp(root, state.hash);
    console.log(`gochat: web client up to date in ${WEB_DIST}`);
    return;
  }
  const later = 'until then the router answers / with a page naming `npm run build:web`';
  if (!viteInstalled(root)) {
    console.warn(`gochat: web client ${state.reason}, and Vite is not installed (--omit=dev?); ${later}`);
    return;
  }
  console.log(`gochat: building the web client (${state.reason}): npm run build:web`);
  const started = performance.now();
  const build = spawnSync('npm', ['run', 'build:web'], {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (build.status !== 0 || !fs.existsSync(path.join(root, WEB_DIST, 'index.html'))) {
    console.warn(
      `gochat: the web client build failed (${build.error ? String(build.error) : `exit ${build.status ?? build.signal}`}); ${later}`,
    );
    return;
  }
  // The hash of the inputs as they were before the build: an edit during it makes the next run build.
  writeStamp(root, state.hash);
  console.log(`gochat: web client built in ${WEB_DIST} (${Math.round(performance.now() - started)} ms)`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  try {
    prepare(ROOT);
  } catch (error) {
    console.warn(`gochat: could not prepare the web client (${String(error)}); run npm run build:web`);
  }
}
