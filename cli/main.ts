import { ConfigError } from '@gochat/config';
import { ROLE_NAMES, type RoleName } from '@gochat/lifecycle';

import { loadConfig } from './load-config.ts';
import { migrate } from './migrate.ts';
import { start } from './start.ts';

const USAGE = `Usage: gochat <command> [options]

Commands:
  start            run every role in one process (embedded defaults need no configuration)
  start <role>     run one role: ${ROLE_NAMES.join(', ')}
  migrate          apply database migrations and exit
  roles            list the roles

Options:
  --config <file>  YAML config file (default: $GOCHAT_CONFIG); environment variables override it
`;

function parseArgs(argv: string[]): { command?: string; positional: string[]; configFile?: string } {
  const positional: string[] = [];
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--config') configFile = argv[++i];
    else if (arg.startsWith('--config=')) configFile = arg.slice('--config='.length);
    else positional.push(arg);
  }
  const [command, ...rest] = positional;
  return { ...(command ? { command } : {}), positional: rest, ...(configFile ? { configFile } : {}) };
}

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

// The one place that hands the environment to configuration; nothing else reads process.env.
// eslint-disable-next-line no-process-env
const env = process.env;

async function main(): Promise<void> {
  const { command, positional, configFile } = parseArgs(process.argv.slice(2));
  switch (command) {
    case 'start': {
      const role = positional[0];
      if (role !== undefined && !ROLE_NAMES.includes(role as RoleName))
        fail(`Unknown role "${role}". Roles: ${ROLE_NAMES.join(', ')}`);
      const roles = role ? [role as RoleName] : [...ROLE_NAMES];
      const monolith = role === undefined;
      const config = loadConfig({ roles, monolith, file: configFile, env });
      await start(roles, monolith, config);
      return;
    }
    case 'migrate': {
      const config = loadConfig({ roles: [], monolith: false, file: configFile, env });
      await migrate(config);
      return;
    }
    case 'roles':
      console.log(ROLE_NAMES.join('\n'));
      return;
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      return;
    default:
      fail(`Unknown command "${command}".\n\n${USAGE}`);
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) fail(error.message);
  console.error(error);
  process.exit(1);
});
