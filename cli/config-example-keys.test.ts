import fs from 'node:fs';

import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import type { z } from 'zod';

import { hostConfigSchema } from './host-config.ts';
import { ROLES } from './registry.ts';

const EXAMPLE = 'config/gochat.example.yaml';

/** Dotted paths of every setting a schema reads: wrappers (optional, default, pipe…) are looked through. */
function settingPaths(schema: z.core.$ZodType, prefix = ''): string[] {
  const def = schema._zod.def as z.core.$ZodTypeDef & {
    shape?: Record<string, z.core.$ZodType>;
    innerType?: z.core.$ZodType;
    in?: z.core.$ZodType;
  };
  if (def.type === 'object')
    return Object.entries(def.shape!).flatMap(([key, child]) =>
      settingPaths(child, prefix ? `${prefix}.${key}` : key),
    );
  if (def.innerType) return settingPaths(def.innerType, prefix); // optional, default, prefault, nullable…
  if (def.type === 'pipe') return settingPaths(def.in!, prefix); // a transform reads its input
  // A record (rules by name) is one setting: its entries are the user's own keys.
  return [prefix]; // a value (a union of value types, such as a boolean that may come as a string, too)
}

/** Paths under a record setting (e.g. router.rateLimits.rules.<name>.points) count as the record. */
function underSetting(path: string, settings: readonly string[]): string {
  return settings.find((setting) => path.startsWith(`${setting}.`)) ?? path;
}

/** Every schema of every role, and the host's: all a config file can hold. */
function allSettingPaths(): string[] {
  const schemas = [hostConfigSchema(4000), ...Object.values(ROLES).map((role) => role.configSchema)];
  return [...new Set(schemas.flatMap((schema) => settingPaths(schema)))].sort();
}

/**
 * The paths the example names, set or commented out. A comment line holding a key (`# url: …`,
 * `#   auth: …`) is uncommented first, so the keys shown as comments count too.
 */
function examplePaths(text: string): string[] {
  const uncommented = text
    .split('\n')
    .map((line) => line.replace(/^(\s*)# ?(\s*[A-Za-z][A-Za-z0-9]*:(\s|$))/, '$1$2'))
    .join('\n');
  const doc = parseDocument(uncommented);
  if (doc.errors.length > 0)
    throw new Error(`${EXAMPLE} with its commented keys uncommented is not YAML: ${doc.errors[0]!.message}`);
  const paths: string[] = [];
  const walk = (node: unknown, prefix: string) => {
    if (node && typeof node === 'object' && !Array.isArray(node))
      for (const [key, child] of Object.entries(node)) walk(child, prefix ? `${prefix}.${key}` : key);
    else paths.push(prefix);
  };
  walk(doc.toJS(), '');
  return paths.sort();
}

describe(EXAMPLE, () => {
  const settings = allSettingPaths();
  const example = [
    ...new Set(
      examplePaths(fs.readFileSync(new URL(`../${EXAMPLE}`, import.meta.url), 'utf8')).map((path) =>
        underSetting(path, settings),
      ),
    ),
  ];

  it('names every setting of every role, commented out where it has no default', () => {
    const missing = settings.filter((path) => !example.includes(path));
    expect(
      missing,
      `${EXAMPLE} lacks ${missing.length} setting(s); add each with its default and a comment:\n  ${missing.join('\n  ')}\n`,
    ).toEqual([]);
  });

  it('names no setting the schemas do not have', () => {
    const unknown = example.filter((path) => !settings.includes(path));
    expect(unknown, `${EXAMPLE} names settings no schema reads:\n  ${unknown.join('\n  ')}\n`).toEqual([]);
  });

  it('sees a setting added to a schema (the check itself works)', () => {
    expect(settings).toContain('router.limits.maxDepth');
    expect(settings).toContain('mail.smtp.url');
    expect(settings).toContain('secrets.internal');
    expect(settings).toContain('scylla.hosts');
    expect(example).toContain('database.url'); // commented out in the example
  });
});
