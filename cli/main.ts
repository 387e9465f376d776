import { ConfigError } from '@gochat/config';
import { limitMallocArenas } from '@gochat/native-memory';

import { ADMIN_USAGE, AdminError, adminCommand, parseAdminArgs, resetLinkSettings } from './admin.ts';
import { loadConfig } from './load-config.ts';
import { migrate } from './migrate.ts';
import { reindexCommand } from './reindex.ts';
import { ROLE_NAMES } from './registry.ts';
import { SelectionError, describeRoles, planStart, selectRoles } from './selection.ts';
import { start } from './start.ts';

const USAGE = `Usage: gochat <command> [options]

Commands:
  start            run every role in one process (embedded defaults need no configuration)
  start <roles>    run a role, a comma-separated set (router,subgraph:messages) or a group (all);
                   roles: ${ROLE_NAMES.join(', ')}
  migrate          apply database migrations and exit
  reindex [--guild ID | --channel ID]
                   rebuild the search index from the message store (searches keep working;
                   a killed run resumes when started again)
  roles            list the roles and groups
  admin <action> <userId|email>
                   operator actions on an account: ban [--reason TEXT] [--until DATE], unban,
                   verify-email, reset-password-link (gochat admin --help)

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
/** Arenas for the whole process: two suffice for one event loop and libvips on two cores. */
const MALLOC_ARENAS = 2;

// Image decoders' threads would otherwise each get a malloc arena that keeps what they free
// (decision 0056). An operator's own MALLOC_ARENA_MAX, which glibc read at start, is left alone.
if (env.MALLOC_ARENA_MAX === undefined) limitMallocArenas(MALLOC_ARENAS);

async function main(): Promise<void> {
  const { command, positional, configFile } = parseArgs(process.argv.slice(2));
  switch (command) {
    case 'start': {
      const plan = planStart(selectRoles(positional));
      const config = loadConfig({ roles: plan.roles, monolith: plan.whole, file: configFile, env });
      await start(plan, config);
      return;
    }
    case 'migrate': {
      const config = loadConfig({ roles: [], monolith: false, file: configFile, env });
      await migrate(config);
      return;
    }
    case 'reindex': {
      const config = loadConfig({ roles: [], monolith: false, file: configFile, env });
      await reindexCommand(config, positional);
      return;
    }
    case 'admin': {
      if (positional.length === 0 || positional[0] === 'help' || positional[0] === '--help') {
        if (positional.length === 0) fail(ADMIN_USAGE);
        console.log(ADMIN_USAGE);
        return;
      }
      parseAdminArgs(positional); // bad arguments exit 2 before any configuration is read
      const config = loadConfig({ roles: [], monolith: false, file: configFile, env });
      await adminCommand(config, positional, () => resetLinkSettings(configFile, env));
      return;
    }
    case 'roles':
      console.log(describeRoles());
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
  if (error instanceof ConfigError || error instanceof SelectionError) fail(error.message);
  if (error instanceof AdminError) fail(error.message, error.exitCode);
  console.error(error);
  process.exit(1);
});
