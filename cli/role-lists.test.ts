import fs from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { withoutGeneratedRegions } from '../scripts/registry-files.ts';
import { ROLES, ROLE_NAMES, subgraphOf } from './registry.ts';

/**
 * Roles are listed in one place, cli/registry.ts; everything else derives its list from it. This
 * finds a list kept by hand: two or more role names (or subgraph names) within three lines of each
 * other, in source, config or deployment files. Tests may name roles; generated regions
 * (scripts/registry-files.ts) are written from the registry.
 */
const root = path.resolve(import.meta.dirname, '..');
const SKIPPED_DIRS = new Set([
  'node_modules',
  '.git',
  'data',
  'docs',
  'supergraph',
  'generated',
  'e2e',
  'migrations',
  'dist', // built output (clients/web/dist), not sources
]);
const SCANNED = /(\.(ts|js|yaml|yml|json)|^Dockerfile)$/;
const EXEMPT = new Set(['cli/registry.ts', 'package-lock.json']);
const isTest = (file: string) => /\.(test|e2e)\.ts$|(^|\/)test-harness\.ts$/.test(file);

function scannedFiles(dir = ''): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : scannedFiles(relative);
    return SCANNED.test(entry.name) && !EXEMPT.has(relative) && !isTest(relative) ? [relative] : [];
  });
}

/** Per name, a pattern for it as a list item: a quoted string, or a key at the start of a line. */
function namePatterns(): Array<[string, RegExp]> {
  const quoted = (name: string) => new RegExp(`['"\`]${name}['"\`]`);
  const subgraphs = Object.values(ROLES).flatMap((spec) => subgraphOf(spec) ?? []);
  return [
    ...ROLE_NAMES.map((name): [string, RegExp] => [name, quoted(name)]),
    ...subgraphs.map((name): [string, RegExp] => [
      name,
      new RegExp(`['"\`]${name}['"\`]|^\\s*(- )?${name}:`),
    ]),
  ];
}

/** "file:line: a, b" for every place two or more names stand within three lines. */
function handLists(file: string, text: string, patterns: Array<[string, RegExp]>): string[] {
  const lines = text.split('\n');
  const found: string[] = [];
  for (let at = 0; at < lines.length; at++) {
    const window = lines.slice(at, at + 3);
    const names = patterns
      .filter(([, pattern]) => window.some((line) => pattern.test(line)))
      .map(([name]) => name);
    const unique = new Set(names.map((name) => name.split(':').at(-1)));
    if (unique.size >= 2 && patterns.some(([, pattern]) => pattern.test(lines[at]!)))
      found.push(`${file}:${at + 1}: ${names.join(', ')}`);
  }
  return found;
}

describe('role lists', () => {
  const patterns = namePatterns();

  it('are kept nowhere but in the registry', () => {
    const found = scannedFiles().flatMap((file) =>
      handLists(file, withoutGeneratedRegions(fs.readFileSync(path.join(root, file), 'utf8')), patterns),
    );
    expect(
      found,
      `roles listed by hand; derive the list from cli/registry.ts:\n  ${found.join('\n  ')}\n`,
    ).toEqual([]);
  });

  it('would be found (the scan itself works)', () => {
    expect(handLists('x.ts', "const ROLES = ['router', 'subgraph:accounts'];", patterns)).toHaveLength(1);
    expect(
      handLists('x.yaml', 'subgraphs:\n  accounts: http://a\n  guilds: http://g\n', patterns),
    ).not.toEqual([]);
    expect(
      handLists('x.ts', "start('subgraph:accounts');\n\n\n\nstart('subgraph:guilds');", patterns),
    ).toEqual([]);
  });
});
