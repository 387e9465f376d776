import { z } from 'zod';

import { bool, list, tlsSection } from './sections.ts';

/** SFU node ids and regions become etcd key segments and bus subject tokens. */
const token = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - (at most 64)');
const wsUrl = z.url({ protocol: /^wss?$/ });

/** A JSON document in a setting (JWKs arrive this way from env vars and secret files). */
const json = <T extends z.ZodType>(schema: T) =>
  z.union([
    schema,
    z
      .string()
      .transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be JSON' });
          return z.NEVER;
        }
      })
      .pipe(schema),
  ]);

const jwk = z.looseObject({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string().min(1) });

/**
 * Voice: where SFU nodes are found (etcd, or a static list in embedded mode) and how the API admits
 * users to them (docs/voice.md, decision 0046). Read by the API's voice role and by SFU nodes.
 */
export const voiceSection = z
  .strictObject({
    /** Rooms go here when neither their channel nor their guild names a region. */
    defaultRegion: token.default('local'),
    etcd: z
      .strictObject({
        /** Unset: the static node list below, no etcd. */
        hosts: list().optional(),
        prefix: z
          .string()
          .regex(/^\/[A-Za-z0-9_/-]*$/, 'an absolute key path')
          .default('/gochat'),
        /** A node's key (and its rooms' bindings) outlive a dead node by at most this. */
        leaseTtlSeconds: z.coerce.number().int().min(2).max(300).default(10),
        username: z.string().min(1).optional(),
        password: z.string().min(1).optional(),
        tls: tlsSection,
      })
      .prefault({}),
    /** The nodes without etcd (embedded, or a fixed deployment). */
    nodes: z.array(z.strictObject({ id: token, region: token, url: wsUrl })).default([]),
    /** How long a voice token admits its holder; clients connect right after joinVoice. */
    tokenTtlSeconds: z.coerce.number().int().min(10).max(3600).default(120),
    /**
     * The Ed25519 private JWK (JSON) the API signs voice tokens with. Unset: derived from
     * secrets.internal, which every process then needs (fine on one machine; set a key pair for SFU
     * nodes you do not want holding the internal secret).
     */
    signingKey: json(jwk.extend({ d: z.string().min(1), kid: z.string().min(1) })).optional(),
    /** The public JWKs (JSON array) SFU nodes verify tokens with; several during a key rotation. */
    verifyKeys: json(z.array(jwk.extend({ kid: z.string().min(1) })).min(1)).optional(),
    /** A join the SFU has not confirmed by then is dropped (the client never connected). */
    connectGraceSeconds: z.coerce.number().int().min(5).max(600).default(30),
    /** Members of a migrated room join again within this, each after a random delay. */
    rejoinWithinMs: z.coerce.number().int().min(0).max(60_000).default(3000),
    /** false refuses joinVoice in DMs and group DMs. */
    directCalls: bool().default(true),
  })
  .prefault({});

export type VoiceConfig = z.infer<typeof voiceSection>;

/** One SFU node (`gochat start sfu`): who it is, where clients reach it, and its media ports. */
export const sfuSection = z
  .strictObject({
    /** Unique among the nodes: its etcd key, its bus subject and the audience of its tokens. */
    nodeId: token.default('local'),
    /** Unset: voice.defaultRegion. */
    region: token.optional(),
    /** The signalling URL clients connect to. Unset: publicUrl as ws(s)://…/sfu (the embedded process). */
    url: wsUrl.optional(),
    /** Where the media ports listen, and the address clients are told to send media to. */
    listenIp: z.string().min(1).default('0.0.0.0'),
    announcedAddress: z.string().min(1).optional(),
    /** Worker i's WebRtcServer listens on rtcPort + i, UDP and TCP. */
    rtcPort: z.coerce.number().int().min(1024).max(65000).default(40000),
    /** mediasoup workers; 0: one per core. */
    workers: z.coerce.number().int().min(0).max(64).default(0),
    /** A transport whose DTLS has not connected by then is closed (a client that never finishes). */
    dtlsTimeoutSeconds: z.coerce.number().int().min(1).max(300).default(15),
    /** The most any one sending transport may push, bits per second, whatever the channel allows. */
    maxIncomingBitrate: z.coerce.number().int().min(100_000).max(100_000_000).default(10_000_000),
    /** How often the node's load is written to its announcement when it changed. */
    loadReportSeconds: z.coerce.number().int().min(1).max(300).default(5),
  })
  .prefault({});

export type SfuConfig = z.infer<typeof sfuSection>;
