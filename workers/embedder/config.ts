import ipaddr from 'ipaddr.js';
import { z } from 'zod';

import { workerSection } from '../harness/index.ts';

export const EMBEDDER = 'embedder';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const MiB = 1024 * 1024;

/** An IP address or CIDR; anything else is a config error, reported with the others at start. */
const address = z.string().refine((value) => {
  try {
    if (value.includes('/')) ipaddr.parseCIDR(value);
    else ipaddr.parse(value);
    return true;
  } catch {
    return false;
  }
}, 'must be an IP address or a CIDR such as 127.0.0.1/32');

const pattern = z.string().refine((value) => {
  try {
    new RegExp(value, 'u');
    return true;
  } catch {
    return false;
  }
}, 'must be a valid regular expression');

/**
 * Link previews: how the embedder fetches what messages link to (decision 0045). The defaults are
 * for the open internet; nothing here loosens the SSRF guard unless set.
 */
export const embedsSection = z
  .strictObject({
    /**
     * Test deployments only: private addresses (IPs or CIDRs) previews may be fetched from. Empty by
     * default, and it must stay empty in production: it opens the private network to anyone who can
     * post a link.
     */
    allowAddresses: z.array(address).default([]),
    /** Ports previews may be fetched from. */
    ports: z.array(int(1, 65_535)).min(1).default([80, 443]),
    connectTimeoutMs: int(100, 60_000).default(5_000),
    /** One fetch, redirects and body included. */
    fetchTimeoutMs: int(100, 120_000).default(10_000),
    /** The part of an HTML page that is read. */
    htmlMaxBytes: int(1_024, 16 * MiB).default(MiB),
    /** Direct media links and pictures copied for embeds. */
    mediaMaxBytes: int(1_024, 64 * MiB).default(8 * MiB),
    cacheTtlSeconds: int(0, 30 * 86_400).default(6 * 3_600),
    negativeCacheTtlSeconds: int(0, 30 * 86_400).default(30 * 60),
    /** Regular expressions; links whose normalised URL matches one are never fetched. */
    excludedUrlPatterns: z.array(pattern).default([]),
    /** YouTube's oEmbed endpoint (tests point it at a local server). */
    youtubeOembedEndpoint: z.url({ protocol: /^https?$/ }).optional(),
  })
  .prefault({});

/**
 * workers.embedder (how the harness runs it) and embeds (how it fetches). Unlike the other workers it
 * handles 64 messages at once by default: its time goes to waiting on remote servers, and a slow page
 * must not hold up other messages' previews.
 */
export const embedderConfigSchema = z.object({
  workers: z
    .object({
      // The default of the field itself, not of the section: setting another key (ackWaitMs, say)
      // must not drop it to the harness's 1.
      [EMBEDDER]: workerSection
        .unwrap()
        .extend({ concurrency: int(1, 256).default(64) })
        .prefault({}),
    })
    .prefault({}),
  embeds: embedsSection,
});
export type EmbedderConfig = z.infer<typeof embedderConfigSchema>;
export type EmbedsSettings = z.infer<typeof embedsSection>;
