import {
  ConfigError,
  applyEnv,
  applyEnvironmentDefaults,
  dataDir,
  loadOrCreateEmbeddedSecrets,
  readConfigFile,
  validate,
  type ConfigSource,
  type Env,
} from '@gochat/config';
import type { RoleName } from '@gochat/lifecycle';

import { KNOWN_TOP_LEVEL_KEYS, hostConfigSchema, localUrl, type HostConfig } from './host-config.ts';
import { ROLES } from './roles.ts';

export interface LoadedConfig {
  host: HostConfig;
  roles: Partial<Record<RoleName, unknown>>;
}

/**
 * Reads the YAML file, applies environment variables, and validates the host and every role to
 * run, collecting every problem before reporting: one run shows everything to fix.
 */
export function loadConfig(options: {
  roles: RoleName[];
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
  const first = options.roles[0];
  const defaultPort = options.monolith || !first ? 4000 : ROLES[first].defaultPort;
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

  const roles: LoadedConfig['roles'] = {};
  for (const name of options.roles) roles[name] = validate(ROLES[name].configSchema, tree, problems, name);

  if (!options.monolith && host && !host.database.url && options.roles.some((r) => ROLES[r].needs.database))
    problems.push(
      `database.url (DATABASE_URL): required when a role runs alone; roles in separate processes cannot share embedded PGlite`,
    );

  if (!options.monolith && options.roles.includes('router')) {
    const subgraphs = ((tree.router as ConfigSource | undefined)?.subgraphs ?? {}) as Record<string, unknown>;
    for (const [name, env] of [
      ['accounts', 'ACCOUNTS_URL'],
      ['guilds', 'GUILDS_URL'],
      ['messages', 'MESSAGES_URL'],
    ])
      if (!subgraphs[name!])
        problems.push(`[router] router.subgraphs.${name} (${env}): required when the router runs alone`);
  }

  if (problems.length > 0 || !host) throw new ConfigError(problems);
  return { host, roles };
}
