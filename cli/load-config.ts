import {
  ConfigError,
  applyEnv,
  applyEnvironmentDefaults,
  dataDir,
  loadOrCreateEmbeddedSecrets,
  publicUrl,
  readConfigFile,
  validate,
  type ConfigSource,
  type Env,
} from '@gochat/config';
import { z } from 'zod';

import { hostConfigSchema, localUrl, type HostConfig } from './host-config.ts';
import { ROLES, roleSpec, subgraphOf } from './registry.ts';
import { planStart } from './selection.ts';

/** Every top-level key the host's schema or any role's reads: anything else in a config file is a typo. */
const KNOWN_TOP_LEVEL_KEYS = new Set(
  [hostConfigSchema(4000), ...Object.values(ROLES).map((spec) => spec.configSchema)].flatMap((schema) => {
    if (!(schema instanceof z.ZodObject)) throw new Error('a config schema is an object of sections');
    return Object.keys(schema.shape);
  }),
);

export interface LoadedConfig {
  host: HostConfig;
  /** Each role's validated config, by role name. */
  roles: Partial<Record<string, unknown>>;
}

/**
 * Reads the YAML file, applies environment variables, and validates the host and every role to
 * run, collecting every problem before reporting: one run shows everything to fix.
 */
export function loadConfig(options: {
  roles: readonly string[];
  monolith: boolean;
  file?: string | undefined;
  env: Env;
}): LoadedConfig {
  const problems: string[] = [];
  const tree: ConfigSource = applyEnv(
    applyEnvironmentDefaults(
      readConfigFile(options.file ?? options.env.GOCHAT_CONFIG, problems),
      options.env,
    ),
    options.env,
  );
  for (const key of Object.keys(tree))
    if (!KNOWN_TOP_LEVEL_KEYS.has(key))
      problems.push(`${key}: unknown setting (known: ${[...KNOWN_TOP_LEVEL_KEYS].join(', ')})`);

  // `gochat migrate` runs no role and listens nowhere: any default port will do.
  const plan = options.roles.length > 0 ? planStart(options.roles) : undefined;
  const served = plan?.served ?? options.roles[0];
  const defaultPort = served ? roleSpec(served).defaultPort : 4000;
  const host = validate(hostConfigSchema(defaultPort), tree, problems, 'host');

  if (options.monolith) {
    // Embedded mode must start with no configuration at all, so it keeps generated secrets in dataDir.
    // With a real database, several processes share state and must be given the same secrets.
    // Decided on the tree rather than the validated host, so that an unrelated host problem (a bad
    // PORT) does not also report secrets that embedded mode generates.
    const embeddedDataDir = dataDir.safeParse(tree.dataDir);
    if (!(tree.database as ConfigSource | undefined)?.url && embeddedDataDir.success) {
      const generated = loadOrCreateEmbeddedSecrets(embeddedDataDir.data);
      const secrets = (tree.secrets ?? {}) as Record<string, unknown>;
      tree.secrets = {
        auth: secrets.auth ?? generated.auth,
        internal: secrets.internal ?? generated.internal,
      };
    }
    if (host) tree.publicUrl ??= localUrl(host.http.host, host.http.port);
  }
  defaultWebClientLinks(tree);

  const roles: LoadedConfig['roles'] = {};
  for (const name of options.roles) roles[name] = validate(roleSpec(name).configSchema, tree, problems, name);

  if (
    !options.monolith &&
    host &&
    !host.database.url &&
    options.roles.some((r) => roleSpec(r).needs.includes('database'))
  )
    problems.push(
      `database.url (DATABASE_URL): required when a role runs alone; roles in separate processes cannot share embedded PGlite`,
    );

  if (plan?.served && roleSpec(plan.served).serves.kind === 'router')
    problems.push(...subgraphUrlProblems(tree, plan.overHttp, plan.inProcess.length === 0));

  if (problems.length > 0 || !host) throw new ConfigError(problems);
  return { host: withBlobDefaults(host, tree), roles };
}

/**
 * With the web client served at publicUrl (router.web.enabled, the default), e-mailed links open its
 * pages: verification lands on sign-in, the reset link on its reset page. Given values win.
 */
export function defaultWebClientLinks(tree: ConfigSource): void {
  const web = ((tree.router as ConfigSource | undefined)?.web ?? {}) as ConfigSource;
  if (web.enabled === false || web.enabled === 'false') return;
  const base = typeof tree.publicUrl === 'string' ? tree.publicUrl : publicUrl.parse(undefined);
  if (!URL.canParse(base)) return; // reported by the publicUrl check
  const accounts = (tree.accounts ??= {}) as ConfigSource;
  accounts.verifyRedirectUrl ??= new URL('/sign-in?verified=1', base).toString();
  accounts.resetPasswordUrl ??= new URL('/reset-password', base).toString();
}

/**
 * The router's signed upload and download URLs start at the API's public origin and are signed with
 * the internal secret, unless blob.baseUrl and blob.signingSecret say otherwise.
 */
function withBlobDefaults(host: HostConfig, tree: ConfigSource): HostConfig {
  const base = typeof tree.publicUrl === 'string' ? tree.publicUrl : publicUrl.parse(undefined);
  const internal = (tree.secrets as ConfigSource | undefined)?.internal;
  return {
    ...host,
    blob: {
      ...host.blob,
      baseUrl: host.blob.baseUrl ?? base.replace(/\/+$/, ''),
      signingSecret: host.blob.signingSecret ?? (typeof internal === 'string' ? internal : undefined),
    },
  };
}

/**
 * router.subgraphs names only subgraphs the registry has, and gives a URL for each subgraph the
 * router reaches over HTTP (those not running in its process).
 */
function subgraphUrlProblems(tree: ConfigSource, overHttp: readonly string[], alone: boolean): string[] {
  const problems: string[] = [];
  const urls = ((tree.router as ConfigSource | undefined)?.subgraphs ?? {}) as Record<string, unknown>;
  const known = Object.values(ROLES).flatMap((spec) => subgraphOf(spec) ?? []);
  for (const name of Object.keys(urls))
    if (!known.includes(name))
      problems.push(`[router] router.subgraphs.${name}: no such subgraph (subgraphs: ${known.join(', ')})`);
  for (const name of overHttp)
    if (!urls[name])
      problems.push(
        `[router] router.subgraphs.${name} (${name.toUpperCase()}_URL): required when the router runs ${alone ? 'alone' : `without the ${name} subgraph`}`,
      );
  return problems;
}
