import fs from 'node:fs';

import { describe, expect, it } from 'vitest';

import { ENV_VARS } from './env-vars.ts';

describe('environment variables', () => {
  it('are all documented in the configuration table (docs/configuration.md)', () => {
    const readme = fs.readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    const documented = [...readme.matchAll(/^\|\s*`([A-Z0-9_]+)`\s*\|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(ENV_VARS).sort());
  });

  it('map to distinct config keys', () => {
    const paths = Object.values(ENV_VARS)
      .map((v) => v.path)
      .filter(Boolean);
    expect(new Set(paths).size).toBe(paths.length);
  });
});
