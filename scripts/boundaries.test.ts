import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * The import boundaries of .dependency-cruiser.js (decision 0039), run the way `npm run lint` runs
 * them, over a small tree laid out like the repository: one violation of each rule (type-only imports
 * count), next to imports the rules allow (among them the build tools reading cli/'s role registry).
 */

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const depcruise = path.join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const config = path.join(root, '.dependency-cruiser.js');

/** The fixture tree: file → its imports (type-only ones marked `type:`). */
const TREE: Record<string, string[]> = {
  'packages/a/src/index.ts': ['../../b/src/index.ts', '../../../subgraphs/x/role.ts'],
  'packages/b/src/index.ts': ['node:fs'],
  'packages/c/src/one.ts': ['./two.ts'],
  'packages/c/src/two.ts': ['type:./one.ts'],
  'subgraphs/x/role.ts': [
    '../../packages/b/src/index.ts',
    './store/rows.ts',
    '../y/store.ts',
    '../../router/http.ts',
  ],
  'subgraphs/x/store/rows.ts': [],
  'subgraphs/y/store.ts': ['type:../../cli/host-config.ts'],
  'router/http.ts': ['../packages/b/src/index.ts', './ws.ts', '../subgraphs/y/store.ts'],
  'router/ws.ts': [],
  // Two areas of the router importing each other (no module cycle, a folder one).
  'router/feeds/feed.ts': ['../live/core.ts'],
  'router/live/core.ts': ['type:../feeds/types.ts'],
  'router/feeds/types.ts': [],
  'workers/w/main.ts': ['../harness.ts', '../../packages/b/src/index.ts', '../../router/http.ts'],
  'workers/harness.ts': [],
  'sfu/room.ts': ['./protocol/parse.ts', '../packages/b/src/index.ts', '../workers/harness.ts'],
  'sfu/protocol/parse.ts': [],
  'cli/host-config.ts': ['../packages/b/src/index.ts'],
  'cli/start.ts': ['./host-config.ts', '../subgraphs/x/role.ts', '../router/http.ts'],
  'bin/gochat.ts': ['../cli/start.ts'],
  // The build tools read the role registry.
  'scripts/compose.ts': ['../cli/start.ts'],
  'codegen.ts': ['./cli/start.ts'],
  'e2e/flow.e2e.ts': ['../subgraphs/x/role.ts', '../router/http.ts'],
};

const EXPECTED = [
  ['package-layer', 'packages/a/src/index.ts', 'subgraphs/x/role.ts'],
  // A cycle is reported once, at whichever of its imports dependency-cruiser meets first.
  ['no-circular', 'packages/c/src/one.ts ↻ packages/c/src/two.ts', ''],
  ['subgraphs-apart', 'subgraphs/x/role.ts', 'subgraphs/y/store.ts'],
  ['subgraph-layer', 'subgraphs/x/role.ts', 'router/http.ts'],
  ['not-to-cli', 'subgraphs/y/store.ts', 'cli/host-config.ts'],
  ['router-layer', 'router/http.ts', 'subgraphs/y/store.ts'],
  ['worker-layer', 'workers/w/main.ts', 'router/http.ts'],
  ['sfu-layer', 'sfu/room.ts', 'workers/harness.ts'],
  ['folders-one-way', 'router/feeds', 'router/live'],
  ['folders-one-way', 'router/live', 'router/feeds'],
];

interface Violation {
  rule: { name: string; severity: string };
  from: string;
  to: string;
  cycle?: { name: string }[];
}

/** [rule, from, to]; a cycle as [rule, its modules in order of name, ''] */
const summary = (v: Violation) =>
  v.cycle && v.rule.name === 'no-circular'
    ? [
        v.rule.name,
        v.cycle
          .map((m) => m.name)
          .sort()
          .join(' ↻ '),
        '',
      ]
    : [v.rule.name, v.from, v.to];

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-boundaries-'));
  for (const [file, imports] of Object.entries(TREE)) {
    const lines = imports.map((spec) =>
      spec.startsWith('type:')
        ? `import type * as types from '${spec.slice('type:'.length)}';`
        : `import '${spec}';`,
    );
    fs.mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), `${lines.join('\n')}\nexport {};\n`);
  }
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs the repository's rules over the fixture tree; answers the exit code and output. */
async function cruise(outputType: string): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, [depcruise, '--config', config, '-T', outputType, '.'], {
      cwd: dir,
    });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '' };
  }
}

// Each run starts dependency-cruiser and the TypeScript parser: seconds, more on a busy machine.
describe('import boundaries (.dependency-cruiser.js)', { timeout: 60_000 }, () => {
  it('reports exactly the imports that cross a boundary, each under its rule', async () => {
    const { stdout } = await cruise('json');
    const violations = (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
    const found = violations.filter((v) => v.rule.severity === 'error').map(summary);
    expect(found.sort()).toEqual([...EXPECTED].sort());
  });

  it('fails the lint run (non-zero exit) when there is a violation', async () => {
    const { code, stdout } = await cruise('err');
    expect(stdout).toContain('error subgraphs-apart: subgraphs/x/role.ts → subgraphs/y/store.ts');
    expect(code).toBeGreaterThan(0);
  });
});
