import fs from 'node:fs';

import { z } from 'zod';

/**
 * Building blocks for each role's config schema. Sections are strict so a typo in YAML is an error,
 * and every default lives here, next to the rule it satisfies.
 */

/** Env values arrive as strings; "false" must not coerce to true. */
export const bool = () => z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

const port = () => z.coerce.number().int().min(0).max(65_535);

export const logSection = z
  .strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .prefault({});

export const httpSection = (defaultPort: number) =>
  z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: port().default(defaultPort),
    })
    .prefault({});

/** Defaults to where the router listens by default (http.host, port 4000), as embedded mode's does. */
export const publicUrl = z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:4000');

export const dataDir = z.string().min(1).default('./data');

/** Reports the missing one of two settings that only mean something together. */
function together<T extends Record<string, unknown>>(
  ctx: z.RefinementCtx,
  value: T,
  a: keyof T & string,
  b: keyof T & string,
) {
  if (!value[a] !== !value[b])
    ctx.addIssue({ code: 'custom', path: [value[a] ? b : a], message: `${a} and ${b} go together` });
}

/** A file GoChat reads at start (a certificate, a key, NATS credentials): checked here, read later. */
const readableFile = () =>
  z
    .string()
    .min(1)
    .refine((file) => {
      try {
        fs.accessSync(file, fs.constants.R_OK);
        return fs.statSync(file).isFile();
      } catch {
        return false;
      }
    }, 'is not a readable file');

/**
 * TLS towards a server (NATS, Redis, PostgreSQL). Setting any key turns TLS on, as do a tls:// or
 * rediss:// URL and a PostgreSQL sslmode. Files are PEM. docs/decisions/0029-infrastructure-auth-and-tls.md.
 */
export const tlsSection = z
  .strictObject({
    /** CA certificates the server's certificate must chain to; unset: the system's CAs. */
    caFile: readableFile().optional(),
    /** A client certificate and its key, for servers that verify clients (mutual TLS). */
    certFile: readableFile().optional(),
    keyFile: readableFile().optional(),
    /** false accepts any server certificate (tests only). Unset: verify (PostgreSQL: as sslmode says). */
    rejectUnauthorized: bool().optional(),
  })
  .superRefine((tls, ctx) => together(ctx, tls, 'certFile', 'keyFile'))
  .optional();

export type TlsConfig = z.infer<typeof tlsSection>;

/** libpq's sslmode values; node-postgres cannot fall back to plaintext, so allow and prefer mean require. */
export const PG_SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;

/** Prometheus metrics of every role. */
export const metricsSection = z
  .strictObject({
    /**
     * Serves /metrics on this port alone (same host), never on the role's public port. Unset, /metrics
     * is on the role's own port; NODE_ENV=production makes 9464 the default.
     */
    port: port().optional(),
  })
  .prefault({});

export const databaseSection = z
  .strictObject({
    url: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),
    poolSize: z.coerce.number().int().min(1).max(200).default(10),
    /**
     * How long a role that does not migrate waits at start for the schema to reach this build's
     * (applied by `gochat migrate` or by a role that migrates) before it gives up.
     */
    migrationWaitSeconds: z.coerce.number().int().min(0).max(3600).default(120),
    /** TLS to PostgreSQL; the URL's sslmode (and sslrootcert, sslcert, sslkey) also apply. */
    tls: tlsSection,
  })
  .prefault({})
  .superRefine((database, ctx) => {
    if (!database.url) return;
    let params: URLSearchParams;
    try {
      params = new URL(database.url).searchParams;
    } catch {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'is not a valid URL' });
      return;
    }
    const mode = params.get('sslmode');
    if (mode !== null && !(PG_SSL_MODES as readonly string[]).includes(mode))
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: `sslmode must be one of ${PG_SSL_MODES.join(', ')}`,
      });
    if (mode === 'disable' && database.tls)
      ctx.addIssue({ code: 'custom', path: ['tls'], message: 'set, but the URL says sslmode=disable' });
    if (mode === 'verify-ca' && !database.tls?.caFile && !params.get('sslrootcert'))
      ctx.addIssue({ code: 'custom', path: ['tls', 'caFile'], message: 'required with sslmode=verify-ca' });
  });

/** Comma-separated in env vars, a list in YAML. */
export const list = () =>
  z.union([
    z.array(z.string().min(1)),
    z.string().transform((v) =>
      v
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    ),
  ]);

/**
 * ScyllaDB (or Cassandra) for message timelines. Unset hosts: messages stay in PostgreSQL.
 * docs/decisions/0015-message-store-port.md.
 */
export const scyllaSection = z
  .strictObject({
    hosts: list().optional(),
    localDataCenter: z.string().min(1).default('datacenter1'),
    keyspace: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,47}$/, 'lowercase letters, digits and _, starting with a letter')
      .default('gochat'),
    /** Used when `gochat migrate` creates the keyspace (SimpleStrategy). */
    replicationFactor: z.coerce.number().int().min(1).max(9).default(1),
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
  })
  .prefault({});

/**
 * Where message search lives: OpenSearch when opensearch.url is set, else PostgreSQL full-text search
 * on the database. docs/decisions/0044-search.md.
 */
export const searchSection = z
  .strictObject({
    opensearch: z
      .strictObject({
        url: z.url({ protocol: /^https?$/ }).optional(),
        username: z.string().min(1).optional(),
        password: z.string().min(1).optional(),
        /** The alias searches read and the indexer writes; concrete indices are named after it. */
        index: z
          .string()
          .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lowercase letters, digits, _ and -')
          .default('gochat-messages'),
        shards: z.coerce.number().int().min(1).max(64).default(1),
        replicas: z.coerce.number().int().min(0).max(8).default(0),
        tls: tlsSection,
      })
      .prefault({}),
  })
  .prefault({});

export const busSection = z
  .strictObject({
    url: z
      .string()
      .regex(/^(nats|tls):\/\//, 'must be a nats:// URL')
      .optional(),
    prefix: z
      .string()
      .regex(/^[a-z0-9_-]+$/, 'lowercase letters, digits, _ and - only')
      .default('gochat'),
    stream: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only')
      .default('GOCHAT_EVENTS'),
    duplicateWindowMs: z.coerce.number().int().min(1_000).default(120_000),
    maxAgeMs: z.coerce
      .number()
      .int()
      .min(60_000)
      .default(7 * 24 * 3_600_000),
    /** Embedded bus only: stored events kept in memory for resume, all subjects together (bounds memory). */
    memoryRetention: z.coerce.number().int().min(100).default(200_000),
    /**
     * Stored events kept per subject (a channel, a guild, a user), on both buses: one subject's traffic
     * never pushes another's out of the resume window (JetStream max_msgs_per_subject).
     */
    maxEventsPerSubject: z.coerce.number().int().min(100).default(10_000),
    // Whoever can publish on NATS can forge events, so production NATS must require one of these
    // (docs/decisions/0029-infrastructure-auth-and-tls.md): user and password, a token, an NKey or a .creds file.
    user: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    token: z.string().min(1).optional(),
    /** An NKey user seed (SU…), for servers that list the user's public key. */
    nkeySeed: z
      .string()
      .regex(/^SU[A-Z2-7]{56}$/, 'must be an NKey user seed (SU followed by 56 base32 characters)')
      .optional(),
    /** A .creds file (user JWT and seed), for servers in operator (JWT) mode. */
    credsFile: readableFile().optional(),
    tls: tlsSection,
  })
  .prefault({})
  .superRefine((bus, ctx) => {
    together(ctx, bus, 'user', 'password');
    const methods = [
      bus.user && 'user',
      bus.token && 'token',
      bus.nkeySeed && 'nkeySeed',
      bus.credsFile && 'credsFile',
    ];
    const chosen = methods.filter(Boolean);
    if (chosen.length > 1)
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: `choose one NATS authentication, not ${chosen.join(' and ')}`,
      });
  });

export const cacheSection = z
  .strictObject({
    url: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// URL')
      .optional(),
    keyPrefix: z.string().default('gochat:'),
    /** Redis AUTH: a password (requirepass), with a username for an ACL user. Used when the URL has none. */
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    tls: tlsSection,
  })
  .prefault({})
  .superRefine((cache, ctx) => {
    if (cache.username && !cache.password)
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'required with a username' });
  });

const secret = () => z.string().min(32, 'must be at least 32 characters');

/** Each role names the secrets it needs; the embedded monolith generates missing ones (see secrets.ts). */
export const secretsSection = <K extends 'auth' | 'internal'>(...keys: K[]) =>
  z
    .object(Object.fromEntries(keys.map((k) => [k, secret()])) as Record<K, ReturnType<typeof secret>>)
    // With no secrets at all, report each missing one (naming its variable), not "secrets: expected
    // object": the prefault is parsed like any input. (Cast: TypeScript cannot resolve the generic input.)
    .prefault({} as never);

export const idsSection = z
  .strictObject({ workerId: z.coerce.number().int().min(0).max(1023).default(0) })
  .prefault({});

export const shutdownSection = z
  .strictObject({
    timeoutMs: z.coerce.number().int().min(100).default(10_000),
    /** Time between failing /ready and closing the listener, so load balancers stop routing here first. */
    drainDelayMs: z.coerce.number().int().min(0).default(0),
  })
  .prefault({});

const rateRule = (points: number, windowSeconds: number) =>
  z
    .strictObject({
      points: z.coerce.number().int().min(1).default(points),
      windowSeconds: z.coerce.number().int().min(1).default(windowSeconds),
    })
    .prefault({});

export const mailSection = z
  .strictObject({
    provider: z.enum(['log', 'smtp', 'sendpulse']).default('log'),
    from: z.string().min(3).default('GoChat <no-reply@gochat.local>'),
    smtp: z.strictObject({ url: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// URL') }).optional(),
    sendpulse: z
      .strictObject({
        clientId: z.string().min(1),
        clientSecret: z.string().min(1),
        apiUrl: z.url().default('https://api.sendpulse.com'),
      })
      .optional(),
  })
  .prefault({})
  .superRefine((mail, ctx) => {
    if (mail.provider === 'smtp' && !mail.smtp)
      ctx.addIssue({ code: 'custom', path: ['smtp', 'url'], message: 'required when mail.provider is smtp' });
    if (mail.provider === 'sendpulse' && !mail.sendpulse)
      ctx.addIssue({
        code: 'custom',
        path: ['sendpulse'],
        message: 'clientId and clientSecret are required when mail.provider is sendpulse',
      });
  });

export const accountsSection = z
  .strictObject({
    /** Lifetime of JWTs handed to clients; short because a JWT cannot be revoked. */
    jwtTtl: z
      .string()
      .regex(/^\d+\s*(s|m|h)$/, 'a duration like 900s, 15m or 1h')
      .default('15m'),
    requireEmailVerification: bool().default(true),
    verificationTtlSeconds: z.coerce.number().int().min(60).default(3_600),
    resetTtlSeconds: z.coerce.number().int().min(60).default(3_600),
    /** Where e-mailed links send a browser after verifying; unset, the link answers JSON. */
    verifyRedirectUrl: z.url().optional(),
    /** A front-end page that takes ?token= and calls resetPassword; unset, the mail carries the token. */
    resetPasswordUrl: z.url().optional(),
    /** The product's name in e-mails, authenticator apps (the TOTP issuer) and better-auth. */
    productName: z.string().trim().min(1).max(64).default('GoChat'),
    /**
     * A folder of mail template overrides: `<template>.html`, `<template>.txt` and `<template>.subject.txt`
     * (templates: verification, password-reset, notice) replace the built-in ones; read at start.
     */
    mailTemplatesDir: z.string().min(1).optional(),
    rateLimit: z
      .strictObject({
        /** Per client IP and action, for sign-up, sign-in, reset and verification mails, 2FA codes. */
        strict: rateRule(10, 60),
        /** Per client IP for every other /api/auth/* call. */
        general: rateRule(120, 60),
        /** Per inbox (normalised address): sign-up, verification and reset mails, whatever the IP. */
        mailPerAddress: rateRule(5, 3_600),
      })
      .prefault({}),
  })
  .prefault({});

/** The messages role: send limits. */
export const messagesSection = z
  .strictObject({
    /** Per user across channels: sends per window. Slowmode adds a per-channel limit on top. */
    sendRate: rateRule(10, 10),
    /** How long the signed download URLs of attachments work. */
    attachmentUrlTtlSeconds: z.coerce
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3_600)
      .default(3_600),
  })
  .prefault({});

const MiB = 1024 * 1024;
const byteLimit = (bytes: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(5 * 1024 * MiB)
    .default(bytes);

/**
 * The blob store for uploads (docs/decisions/0043-media-subgraph-and-uploads.md): S3 when s3.bucket
 * is set, else files under dataDir/blobs served by the router. baseUrl (the API's public origin;
 * defaults to publicUrl) prefixes the router's signed URLs; publicBaseUrl (a CDN) serves public assets.
 */
export const blobSection = z
  .strictObject({
    s3: z
      .strictObject({
        bucket: z
          .string()
          .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, '3-63 lowercase letters, digits, dots and hyphens')
          .optional(),
        region: z.string().min(1).default('us-east-1'),
        endpoint: z.url({ protocol: /^https?$/ }).optional(),
        /** Where clients reach the store, when not at endpoint (a container network): presigned URLs use it. */
        publicEndpoint: z.url({ protocol: /^https?$/ }).optional(),
        forcePathStyle: bool().default(false),
        accessKeyId: z.string().min(1).optional(),
        secretAccessKey: z.string().min(1).optional(),
      })
      .superRefine((value, ctx) => together(ctx, value, 'accessKeyId', 'secretAccessKey'))
      .prefault({}),
    baseUrl: z.url({ protocol: /^https?$/ }).optional(),
    publicBaseUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** Signs the router's upload and download URLs (embedded store); defaults to secrets.internal. */
    signingSecret: z.string().min(32).optional(),
  })
  .prefault({});

/** Uploads: limits per kind, expiries and processing (the media role). */
export const mediaSection = z
  .strictObject({
    limits: z
      .strictObject({
        attachmentBytes: byteLimit(25 * MiB),
        avatarBytes: byteLimit(8 * MiB),
        /** Guild icons and banners. */
        iconBytes: byteLimit(10 * MiB),
        emojiBytes: byteLimit(256 * 1024),
        /** Images larger than this are refused before decoding (decompression bombs). */
        maxPixels: z.coerce.number().int().min(1).default(40_000_000),
      })
      .prefault({}),
    /** How long a created upload waits for its bytes and completion. */
    uploadTtlSeconds: z.coerce.number().int().min(60).default(3_600),
    /** Files up to this size are processed within completeUpload; larger ones in the background. */
    inlineProcessingMaxBytes: byteLimit(8 * MiB),
    /** Files processed at once by one media process (decoding is CPU and memory bound). */
    processingConcurrency: z.coerce.number().int().min(1).max(64).default(2),
    /** Earlier avatars kept in a user's history; older ones are deleted. */
    avatarHistory: z.coerce.number().int().min(0).max(100).default(10),
  })
  .prefault({});

/**
 * Built-in per-user mutation limits at the router (docs/decisions/0031-mutation-rate-limits.md): one
 * budget per rule, shared by the rule's fields. Fields named by no rule get `default`, each its own
 * budget. Rules in the config file replace these by name, key by key; a new name adds a rule.
 */
export const DEFAULT_MUTATION_RULES: Readonly<
  Record<string, { points: number; windowSeconds: number; fields: readonly string[] }>
> = {
  createGuild: { points: 5, windowSeconds: 60, fields: ['createGuild'] },
  editMessage: { points: 10, windowSeconds: 10, fields: ['editMessage'] },
  deleteMessages: { points: 10, windowSeconds: 10, fields: ['deleteMessage', 'bulkDeleteMessages'] },
  reactions: {
    points: 40,
    windowSeconds: 10,
    fields: ['addReaction', 'removeReaction', 'removeAllReactions'],
  },
  pins: { points: 10, windowSeconds: 10, fields: ['pinMessage', 'unpinMessage'] },
  createThread: { points: 10, windowSeconds: 60, fields: ['createThread'] },
  guildStructure: {
    points: 20,
    windowSeconds: 60,
    fields: ['createChannel', 'deleteChannel', 'createRole', 'deleteRole', 'createEmoji', 'deleteEmoji'],
  },
  guildSettings: {
    points: 30,
    windowSeconds: 60,
    fields: [
      'updateGuild',
      'updateChannel',
      'reorderChannels',
      'setChannelOverwrite',
      'deleteChannelOverwrite',
      'updateRole',
      'reorderRoles',
      'renameEmoji',
    ],
  },
  uploads: {
    points: 30,
    windowSeconds: 60,
    fields: ['createUpload', 'completeUpload', 'setAvatar', 'setGuildIcon', 'setGuildBanner'],
  },
  createInvite: { points: 10, windowSeconds: 60, fields: ['createInvite'] },
  friendRequests: { points: 10, windowSeconds: 60, fields: ['sendFriendRequest'] },
  directMessages: {
    points: 10,
    windowSeconds: 60,
    fields: ['openDirectMessage', 'createGroupDm', 'addGroupDmRecipient'],
  },
  updateProfile: { points: 5, windowSeconds: 60, fields: ['updateProfile'] },
  updatePresence: { points: 10, windowSeconds: 60, fields: ['updatePresence'] },
};

/** router.rateLimits: what a signed-in user may run per window; resolved and checked by the router. */
export const mutationRateLimitsSection = z
  .strictObject({
    /** Every mutation field that no rule names: per user and field. */
    default: rateRule(20, 10),
    /** Merged over DEFAULT_MUTATION_RULES by name, key by key. */
    rules: z
      .record(
        z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'letters, digits, _ and -'),
        z.strictObject({
          points: z.coerce.number().int().min(1).optional(),
          windowSeconds: z.coerce.number().int().min(1).optional(),
          /** Root mutation fields sharing the budget; a new rule without it limits the field it is named after. */
          fields: z
            .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a GraphQL field name'))
            .min(1)
            .optional(),
        }),
      )
      .default({}),
  })
  .prefault({});

export const routerSection = z
  .strictObject({
    /**
     * Base URLs of subgraph roles by subgraph name; unused for those in the router's process. Which
     * names exist, and which URLs a process needs, the host checks against its role registry.
     */
    subgraphs: z.record(z.string(), z.url()).default({}),
    limits: z
      .strictObject({
        maxDepth: z.coerce.number().int().min(2).default(12),
        maxTokens: z.coerce.number().int().min(50).default(3_000),
        maxAliases: z.coerce.number().int().min(1).default(30),
        maxDirectives: z.coerce.number().int().min(1).default(30),
        maxBodyBytes: z.coerce.number().int().min(1_024).default(1_000_000),
        maxWsPayloadBytes: z.coerce.number().int().min(1_024).default(256_000),
        /** Bytes the router reads of one subgraph response; a larger one is RESPONSE_TOO_LARGE. */
        maxSubgraphResponseBytes: z.coerce.number().int().min(65_536).default(8_000_000),
        /** Unsent bytes a socket may hold before it is closed with 4008 (the client resumes). */
        maxWsBufferedBytes: z.coerce.number().int().min(16_384).default(1_048_576),
        /** Live WebSocket connections per user, across all routers; one more is closed with 4429. */
        maxConnectionsPerUser: z.coerce.number().int().min(1).default(20),
        /** Operations in flight on one WebSocket connection; one more is refused with LIMIT_REACHED. */
        maxOperationsPerConnection: z.coerce.number().int().min(1).default(100),
        /** Operations in flight over all of one user's connections to one router. */
        maxOperationsPerUser: z.coerce.number().int().min(1).default(200),
        /** Differently-shaped subscriptions one user may hold on one channel or feed (each costs a build per event). */
        maxSelectionsPerTarget: z.coerce.number().int().min(1).default(4),
      })
      .prefault({}),
    realtime: z
      .strictObject({
        /** A resume further behind than this many stored events gets RESYNC_REQUIRED. */
        maxReplay: z.coerce.number().int().min(100).default(100_000),
        /** Above this many members a guild's presence reaches viewers only through memberPresence. */
        largeGuildMembers: z.coerce.number().int().min(1).default(1_000),
        /** A connection's presence lives this long past its last heartbeat (a dead router's clients). */
        presenceTtlMs: z.coerce.number().int().min(3_000).default(60_000),
        /** Events a feed may hold while it refreshes permissions or replays, before its socket closes with 4008. */
        feedQueueLimit: z.coerce.number().int().min(100).default(10_000),
        /** A user's presence changes are published at most once per this window (the latest wins). */
        presenceCoalesceMs: z.coerce.number().int().min(0).default(1_000),
      })
      .prefault({}),
    /** Per-user limits on mutations, at the router (RATE_LIMITED with retryAfter). */
    rateLimits: mutationRateLimitsSection,

    /** GraphiQL at /graphql in a browser. NODE_ENV=production makes false the default. */
    graphiql: bool().default(true),
    /** `__schema` and `__type` queries (GraphiQL needs them). NODE_ENV=production makes false the default. */
    introspection: bool().default(true),
    cors: z
      .strictObject({
        /** Browser origins allowed to call /graphql (never with credentials); empty: publicUrl's origin. */
        origins: list()
          .pipe(
            z.array(
              z.string().regex(/^(\*|https?:\/\/[^/\s]+)$/, 'an origin like https://app.example.com, or *'),
            ),
          )
          .default([]),
      })
      .prefault({}),
    /** Hydrations are shared by subscribers for this long after an event. */
    hydrationTtlMs: z.coerce.number().int().min(100).default(5_000),
    /** Hydrations running at once; more wait, so a burst of events cannot crowd out requests. */
    hydrationConcurrency: z.coerce.number().int().min(1).default(16),
    /** Honour X-Forwarded-For from a proxy in front of the router. */
    trustProxy: bool().default(false),
    /** The web client (clients/web, built by Vite) at / and every path the API does not use. */
    web: z
      .strictObject({
        /** false: an API-only router; paths outside the API answer 404 as before. */
        enabled: bool().default(true),
        /** The built client (index.html, assets/). A relative path is from the repository root, not the cwd. */
        dir: z.string().min(1).default('clients/web/dist'),
      })
      .prefault({}),
  })
  .prefault({});

export type MediaSection = z.infer<typeof mediaSection>;
