import fs from 'node:fs';

import { parseDocument } from 'yaml';
import type { z } from 'zod';

import { ENV_VARS, type EnvVarName } from './env-vars.ts';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export type ConfigSource = Record<string, unknown>;
export type Env = Readonly<Record<string, string | undefined>>;

/** Reads the YAML file (if any) into a plain tree; syntax errors become problems, not throws. */
export function readConfigFile(path: string | undefined, problems: string[]): ConfigSource {
  if (!path) return {};
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (error) {
    problems.push(`config file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    return {};
  }
  const doc = parseDocument(text);
  for (const error of doc.errors) problems.push(`config file ${path}: ${error.message}`);
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`config file ${path}: the top level must be a mapping`);
    return {};
  }
  return value as ConfigSource;
}

function setPath(tree: ConfigSource, path: string, value: string): void {
  const keys = path.split('.');
  let node = tree;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as ConfigSource;
  }
  node[keys[keys.length - 1]!] = value;
}

/**
 * What NODE_ENV=production changes, where the file and the variables say nothing: no GraphiQL, no
 * introspection, and /metrics on a port of its own instead of the public one.
 */
export const PRODUCTION_DEFAULTS: ConfigSource = {
  router: { graphiql: false, introspection: false },
  metrics: { port: 9464 },
};

/** Puts `defaults` under `tree`: every value the tree has wins. */
function under(defaults: ConfigSource, tree: ConfigSource): ConfigSource {
  const merged: ConfigSource = { ...tree };
  for (const [key, value] of Object.entries(defaults)) {
    const own = merged[key];
    if (own === undefined) merged[key] = structuredClone(value);
    else if (isMapping(own) && isMapping(value)) merged[key] = under(value, own);
  }
  return merged;
}

const isMapping = (value: unknown): value is ConfigSource =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The defaults of the environment NODE_ENV names, under the file's values (variables go on top). */
export function applyEnvironmentDefaults(tree: ConfigSource, env: Env): ConfigSource {
  return env.NODE_ENV === 'production' ? under(PRODUCTION_DEFAULTS, tree) : tree;
}

/** Environment variables win over the file. Empty strings count as unset, as in most deployments. */
export function applyEnv(tree: ConfigSource, env: Env): ConfigSource {
  const merged = structuredClone(tree);
  for (const [name, spec] of Object.entries(ENV_VARS) as [EnvVarName, (typeof ENV_VARS)[EnvVarName]][]) {
    const value = env[name];
    if (spec.path && value !== undefined && value !== '') setPath(merged, spec.path, value);
  }
  return merged;
}

export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix = ''): string[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const envName = Object.entries(ENV_VARS).find(([, spec]) => spec.path && spec.path === path)?.[0];
    const where = `${prefix}${path || '(root)'}${envName ? ` (${envName})` : ''}`;
    return `${where}: ${issue.message}`;
  });
}

/** Validates one role's view of the merged tree; problems are collected, never thrown one by one. */
export function validate<S extends z.ZodType>(
  schema: S,
  tree: ConfigSource,
  problems: string[],
  label = '',
): z.infer<S> | undefined {
  const result = schema.safeParse(tree);
  if (result.success) return deepFreeze(result.data);
  problems.push(...formatIssues(result.error.issues, label ? `[${label}] ` : ''));
  return undefined;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
