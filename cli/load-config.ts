import {
  ConfigError,
  applyEnv,
  loadOrCreateEmbeddedSecrets,
  readConfigFile,
  validate,
  type ConfigSource,
  type Env,
} from '@gochat/config';
import type { RoleName } from '@gochat/lifecycle';

import { KNOWN_TOP_LEVEL_KEYS, hostConfigSchema, type HostConfig } from './host-config.ts';
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
    readConfigFile(options.file ?? options.env.GOCHAT_CONFIG, problems),
    options.env,
  );
  for (const key of Object.keys(tree))
    if (!KNOWN_TOP_LEVEL_KEYS.has(key))
      problems.push(`${key}: unknown setting (known: ${[...KNOWN_TOP_LEVEL_KEYS].join(', ')})`);

  const defaultPort = options.monolith ? 4000 : ROLES[options.roles[0]!].defaultPort;
  const host = validate(hostConfigSchema(defaultPort), tree, problems, 'host');

  if (options.monolith && host) {
    // Embedded mode must start with no configuration at all, so it keeps generated secrets in dataDir.
    // With a real database, several processes share state and must be given the same secrets.
    if (!host.database.url) {
      const generated = loadOrCreateEmbeddedSecrets(host.dataDir);
      const secrets = (tree.secrets ?? {}) as Record<string, unknown>;
      tree.secrets = {
        auth: secrets.auth ?? generated.auth,
        internal: secrets.internal ?? generated.internal,
      };
    }
    tree.publicUrl ??= `http://localhost:${host.http.port}`;
  }

  const roles: LoadedConfig['roles'] = {};
  for (const name of options.roles) roles[name] = validate(ROLES[name].configSchema, tree, problems, name);

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
