import {
  blobSection,
  busSection,
  cacheSection,
  dataDir,
  databaseSection,
  httpSection,
  idsSection,
  scyllaSection,
  searchSection,
  logSection,
  metricsSection,
  shutdownSection,
  voiceSection,
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
    blob: blobSection,
    search: searchSection,
    ids: idsSection,
    shutdown: shutdownSection,
    // Where voice rooms run (a section, not a role list: the voice role reads it too).
    voice: voiceSection,
  });

export type HostConfig = z.infer<ReturnType<typeof hostConfigSchema>>;

/**
 * The URL a client on this machine reaches a listener at: a wildcard host (every interface) is
 * reached on loopback. The start banner shows it, and embedded mode's default publicUrl is it, so the
 * links GoChat mails and the address it announces agree.
 */
export function localUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}
