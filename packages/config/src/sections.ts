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

export const publicUrl = z.url({ protocol: /^https?$/ }).default('http://localhost:4000');

export const dataDir = z.string().min(1).default('./data');

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
  })
  .prefault({});

/** Comma-separated in env vars, a list in YAML. */
const list = () =>
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
    /** Embedded bus only: stored events kept in memory for resume (JetStream keeps maxAgeMs). */
    memoryRetention: z.coerce.number().int().min(100).default(50_000),
  })
  .prefault({});

export const cacheSection = z
  .strictObject({
    url: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// URL')
      .optional(),
    keyPrefix: z.string().default('gochat:'),
  })
  .prefault({});

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
    rateLimit: z
      .strictObject({
        /** Per client IP and action, for sign-up, sign-in, reset and verification mails. */
        strict: rateRule(10, 60),
        /** Per client IP for every other /api/auth/* call. */
        general: rateRule(120, 60),
      })
      .prefault({}),
  })
  .prefault({});

/** The messages role: send limits. */
export const messagesSection = z
  .strictObject({
    /** Per user across channels: sends per window. Slowmode adds a per-channel limit on top. */
    sendRate: rateRule(10, 10),
  })
  .prefault({});

export const routerSection = z
  .strictObject({
    /** Base URLs of subgraph roles; unused when they run in the same process. */
    subgraphs: z
      .strictObject({
        accounts: z.url().optional(),
        guilds: z.url().optional(),
        messages: z.url().optional(),
      })
      .prefault({}),
    limits: z
      .strictObject({
        maxDepth: z.coerce.number().int().min(2).default(12),
        maxTokens: z.coerce.number().int().min(50).default(3_000),
        maxAliases: z.coerce.number().int().min(1).default(30),
        maxDirectives: z.coerce.number().int().min(1).default(30),
        maxBodyBytes: z.coerce.number().int().min(1_024).default(1_000_000),
        maxWsPayloadBytes: z.coerce.number().int().min(1_024).default(256_000),
        /** Unsent bytes a socket may hold before it is closed with 4008 (the client resumes). */
        maxWsBufferedBytes: z.coerce.number().int().min(16_384).default(1_048_576),
        /** Live WebSocket connections per user, across all routers; one more is closed with 4429. */
        maxConnectionsPerUser: z.coerce.number().int().min(1).default(20),
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
      })
      .prefault({}),
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
    /** Honour X-Forwarded-For from a proxy in front of the router. */
    trustProxy: bool().default(false),
  })
  .prefault({});
