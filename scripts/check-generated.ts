/**
 * Fails when committed generated files are stale: the composed supergraph, API schema and
 * subscription manifest, the codegen output (resolver types, typed client documents), and the
 * regions of compose.yaml and config/ written from the role registry.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

import { compose, staleFiles } from './compose-supergraph.ts';
import { staleRegistryFiles } from './registry-files.ts';

const root = path.resolve(import.meta.dirname, '..');
const problems: string[] = [];

const stale = staleFiles(compose());
if (stale.length) problems.push(`stale composition: ${stale.join(', ')}`);
const staleRegistry = await staleRegistryFiles();
if (staleRegistry.length) problems.push(`stale role registry regions: ${staleRegistry.join(', ')}`);

try {
  // --check exits non-zero when any generated file would change.
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules/@graphql-codegen/cli/cjs/bin.js'), '--config', 'codegen.ts', '--check'],
    {
      cwd: root,
      stdio: 'pipe',
    },
  );
} catch (error) {
  const output = `${(error as { stdout?: Buffer }).stdout?.toString() ?? ''}${(error as { stderr?: Buffer }).stderr?.toString() ?? ''}`;
  problems.push(`stale codegen output:\n${output.trim()}`);
}

if (problems.length) {
  console.error(`${problems.join('\n')}\nRun \`npm run generate\` and commit the result.`);
  process.exit(1);
}
console.log('generated files: up to date');
