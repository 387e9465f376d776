import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { STAMP, WEB_DIST, inputsHash, webBuildState, writeStamp } from './prepare-web.ts';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) fs.rmSync(root, { recursive: true, force: true });
});

/** A repository with the web client's sources (and a node_modules that does not count). */
function tempRepo() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-prepare-web-'));
  roots.push(root);
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  };
  write('clients/web/index.html', '<!doctype html>');
  write('clients/web/vite.config.ts', 'export default {};');
  write('clients/web/src/main.tsx', 'console.log(1);');
  write('clients/web/node_modules/x/index.js', 'ignored');
  write('packages/react/src/index.ts', 'export {};');
  return { root, write };
}

/** What a build leaves: dist/index.html, made after the sources. */
function build(root: string) {
  fs.mkdirSync(path.join(root, WEB_DIST), { recursive: true });
  const index = path.join(root, WEB_DIST, 'index.html');
  fs.writeFileSync(index, '<!doctype html><script src="/assets/a.js"></script>');
  const later = new Date(Date.now() + 60_000);
  fs.utimesSync(index, later, later);
}

describe('scripts/prepare-web.ts: is the web client build stale?', () => {
  it('has nothing to build without the sources (the Docker dependency stage)', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-prepare-web-'));
    roots.push(root);
    expect(webBuildState(root)).toEqual({ kind: 'no-sources' });
  });

  it('builds when dist is missing, then is fresh by its stamp until a source changes', () => {
    const { root, write } = tempRepo();
    expect(webBuildState(root)).toMatchObject({ kind: 'stale', reason: 'not built yet' });
    build(root);
    writeStamp(root, inputsHash(root));
    expect(webBuildState(root)).toMatchObject({ kind: 'fresh', stamped: true });

    write('packages/react/src/index.ts', 'export const changed = 1;');
    expect(webBuildState(root)).toMatchObject({ kind: 'stale', reason: expect.stringContaining('changed') });
    write('packages/react/src/index.ts', 'export {};');
    expect(webBuildState(root)).toMatchObject({ kind: 'fresh' });
    fs.rmSync(path.join(root, 'clients/web/vite.config.ts')); // a removed input counts too
    expect(webBuildState(root)).toMatchObject({ kind: 'stale' });
  });

  it('ignores node_modules and file times when stamped', () => {
    const { root, write } = tempRepo();
    build(root);
    writeStamp(root, inputsHash(root));
    write('clients/web/node_modules/x/index.js', 'changed');
    const future = new Date(Date.now() + 120_000);
    fs.utimesSync(path.join(root, 'clients/web/src/main.tsx'), future, future); // a checkout, same content
    expect(webBuildState(root)).toMatchObject({ kind: 'fresh', stamped: true });
  });

  it('without a stamp (a build by hand) compares times: fresh if dist is newer than every source', () => {
    const { root } = tempRepo();
    build(root);
    expect(fs.existsSync(path.join(root, WEB_DIST, STAMP))).toBe(false);
    expect(webBuildState(root)).toMatchObject({ kind: 'fresh', stamped: false });
    const future = new Date(Date.now() + 120_000);
    fs.utimesSync(path.join(root, 'clients/web/src/main.tsx'), future, future);
    expect(webBuildState(root)).toMatchObject({ kind: 'stale', reason: 'a source is newer than the build' });
  });
});
