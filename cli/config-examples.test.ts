import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { loadConfig } from './load-config.ts';
import { ROLE_NAMES } from './registry.ts';

const dir = new URL('../config/', import.meta.url);
const secrets = { AUTH_SECRET: 'x'.repeat(40), INTERNAL_SECRET: 'y'.repeat(40) };

/**
 * The commented examples in config/ are documentation; they must also be valid configuration: one
 * for everything in one process, and one per role, named after it (subgraph:accounts: accounts).
 */
const exampleOf = (role: string) => `${role.split(':').at(-1)}.example.yaml`;

describe('config examples', () => {
  const cases: Array<[string, string[], boolean]> = [
    ['gochat.example.yaml', ROLE_NAMES, true],
    ...ROLE_NAMES.map((role): [string, string[], boolean] => [exampleOf(role), [role], false]),
  ];

  for (const [file, roles, monolith] of cases)
    it(`${file} validates for ${roles.join(', ')}`, () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-example-'));
      const loaded = loadConfig({
        roles,
        monolith,
        file: new URL(file, dir).pathname,
        env: { ...secrets, DATA_DIR: dataDir },
      });
      for (const role of roles) expect(loaded.roles[role]).toBeDefined();
    });

  it('covers every file in config/, and every role has one', () => {
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.sort()).toEqual(cases.map(([f]) => f).sort());
  });
});
