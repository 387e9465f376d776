import fs from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

const ROUTER = path.resolve(import.meta.dirname, '..');

/** The router folders each folder's files import, from their relative import specifiers. */
function importedFolders(folder: string): Set<string> {
  const found = new Set<string>();
  for (const file of fs.readdirSync(path.join(ROUTER, folder))) {
    if (!file.endsWith('.ts')) continue;
    const text = fs.readFileSync(path.join(ROUTER, folder, file), 'utf8');
    for (const [, spec] of text.matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
      const target = path.relative(ROUTER, path.resolve(ROUTER, folder, spec!));
      const top = target.includes(path.sep) ? target.split(path.sep)[0]! : '.';
      if (top !== folder) found.add(top);
    }
  }
  return found;
}

describe('router layering (decision 0035)', () => {
  it('keeps the live core below both subscription paths, which never import each other', () => {
    expect([...importedFolders('live')].filter((f) => f !== '.')).toEqual([]);
    expect(importedFolders('realtime').has('subscriptions')).toBe(false);
    expect(importedFolders('subscriptions').has('realtime')).toBe(false);
  });
});
