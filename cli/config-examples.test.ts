import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { RoleName } from '@gochat/lifecycle';
import { describe, expect, it } from 'vitest';

import { loadConfig } from './load-config.ts';

const dir = new URL('../config/', import.meta.url);
const secrets = { AUTH_SECRET: 'x'.repeat(40), INTERNAL_SECRET: 'y'.repeat(40) };

/** The commented examples in config/ are documentation; they must also be valid configuration. */
describe('config examples', () => {
  const cases: Array<[string, RoleName[], boolean]> = [
    ['gochat.example.yaml', ['router', 'subgraph:accounts', 'subgraph:guilds', 'subgraph:messages'], true],
    ['router.example.yaml', ['router'], false],
    ['accounts.example.yaml', ['subgraph:accounts'], false],
    ['guilds.example.yaml', ['subgraph:guilds'], false],
    ['messages.example.yaml', ['subgraph:messages'], false],
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

  it('covers every file in config/', () => {
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.sort()).toEqual(cases.map(([f]) => f).sort());
  });
});
