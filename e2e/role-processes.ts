import { startGochat, type GochatProcess } from '@gochat/testkit';

/**
 * Microservice mode: each subgraph role (voice on ETCD_HOSTS when `env` names it, else with no voice
 * server), then one router per port, as separate processes sharing `env`
 * (worker ids 1, 2, ... in start order; the routers get the subgraphs' URLs). Every process is pushed
 * to `processes` as soon as it runs, so the suite's teardown stops it even if a later one fails.
 */
export async function startRoleProcesses(
  env: Record<string, string>,
  routerPorts: number[],
  processes: GochatProcess[],
): Promise<{
  accounts: GochatProcess;
  guilds: GochatProcess;
  messages: GochatProcess;
  media: GochatProcess;
  search: GochatProcess;
  voice: GochatProcess;
  routers: GochatProcess[];
}> {
  let worker = 1;
  const start = async (role: string, port = 0, extra: Record<string, string> = {}) => {
    const proc = await startGochat({
      role,
      env: { ...env, ...extra, PORT: String(port), WORKER_ID: String(worker++) },
    });
    processes.push(proc);
    return proc;
  };
  const [accounts, guilds, messages, media, search, voice] = await Promise.all([
    start('subgraph:accounts'),
    start('subgraph:guilds'),
    start('subgraph:messages'),
    start('subgraph:media'),
    start('subgraph:search'),
    start('subgraph:voice'),
  ]);
  const urls = {
    ACCOUNTS_URL: accounts.url,
    GUILDS_URL: guilds.url,
    MESSAGES_URL: messages.url,
    MEDIA_URL: media.url,
    SEARCH_URL: search.url,
    VOICE_URL: voice.url,
  };
  const routers = await Promise.all(routerPorts.map((port) => start('router', port, urls)));
  return { accounts, guilds, messages, media, search, voice, routers };
}
