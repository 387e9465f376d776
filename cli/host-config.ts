import {
  busSection,
  cacheSection,
  dataDir,
  databaseSection,
  httpSection,
  idsSection,
  scyllaSection,
  logSection,
  metricsSection,
  shutdownSection,
} from '@gochat/config';
import { z } from 'zod';

/** The process around the roles: where it listens and which infrastructure it connects to. */
export const hostConfigSchema = (defaultPort: number) =>
  z.object({
    log: logSection,
    http: httpSection(defaultPort),
    metrics: metricsSection,
    dataDir,
    database: databaseSection,
    scylla: scyllaSection,
    bus: busSection,
    cache: cacheSection,
    ids: idsSection,
    shutdown: shutdownSection,
  });

export type HostConfig = z.infer<ReturnType<typeof hostConfigSchema>>;

/** Every top-level key any schema reads: anything else in a config file is a typo. */
export const KNOWN_TOP_LEVEL_KEYS = new Set([
  'log',
  'http',
  'metrics',
  'publicUrl',
  'dataDir',
  'database',
  'scylla',
  'messages',
  'bus',
  'cache',
  'ids',
  'shutdown',
  'secrets',
  'mail',
  'accounts',
  'router',
]);
