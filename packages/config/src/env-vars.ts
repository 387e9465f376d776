/**
 * Every environment variable GoChat reads, in one table: the loader applies them over the YAML file,
 * the README's configuration reference is written from it, and a test checks compose.yaml against it.
 */
export interface EnvVar {
  /** Dotted path in the config tree the variable overrides. */
  path: string;
  description: string;
  /** Never echoed back in errors or logs. */
  secret?: boolean;
}

export const ENV_VARS = {
  GOCHAT_CONFIG: { path: '', description: 'Path of the YAML config file to load (also --config).' },
  LOG_LEVEL: {
    path: 'log.level',
    description: 'pino level: fatal, error, warn, info, debug, trace or silent.',
  },
  HOST: { path: 'http.host', description: 'Interface the role listens on.' },
  PORT: {
    path: 'http.port',
    description: 'Port the role listens on (router 4000, accounts 4001, guilds 4002, messages 4003).',
  },
  PUBLIC_URL: {
    path: 'publicUrl',
    description: 'URL clients reach the router at; used in e-mailed links and as the JWT issuer.',
  },
  DATA_DIR: {
    path: 'dataDir',
    description: 'Directory for embedded data (PGlite files, generated secrets).',
  },
  DATABASE_URL: {
    path: 'database.url',
    description: 'PostgreSQL URL. Unset: embedded PGlite under DATA_DIR.',
  },
  DATABASE_POOL_SIZE: { path: 'database.poolSize', description: 'PostgreSQL connections per process.' },
  DATABASE_MIGRATION_WAIT_SECONDS: {
    path: 'database.migrationWaitSeconds',
    description: 'How long a role that does not migrate waits at start for the schema to be current.',
  },
  DATABASE_TLS_CA_FILE: {
    path: 'database.tls.caFile',
    description: 'CA certificates (PEM) to verify PostgreSQL with; turns TLS on (or use sslmode in the URL).',
  },
  DATABASE_TLS_CERT_FILE: {
    path: 'database.tls.certFile',
    description: 'Client certificate (PEM) for PostgreSQL.',
  },
  DATABASE_TLS_KEY_FILE: {
    path: 'database.tls.keyFile',
    description: 'Key (PEM) of DATABASE_TLS_CERT_FILE.',
  },
  NATS_URL: { path: 'bus.url', description: 'NATS (JetStream) URL. Unset: in-process bus.' },
  NATS_PREFIX: { path: 'bus.prefix', description: 'Subject prefix for every event subject.' },
  NATS_STREAM: { path: 'bus.stream', description: 'JetStream stream capturing <prefix>.>.' },
  NATS_USER: {
    path: 'bus.user',
    description: 'NATS user (with NATS_PASSWORD). Production NATS must require auth.',
  },
  NATS_PASSWORD: { path: 'bus.password', description: 'NATS password of NATS_USER.', secret: true },
  NATS_TOKEN: { path: 'bus.token', description: 'NATS authentication token.', secret: true },
  NATS_NKEY_SEED: { path: 'bus.nkeySeed', description: 'NATS NKey user seed (SU...).', secret: true },
  NATS_CREDS_FILE: {
    path: 'bus.credsFile',
    description: 'NATS .creds file (user JWT and seed) for operator mode.',
  },
  NATS_TLS_CA_FILE: {
    path: 'bus.tls.caFile',
    description: 'CA certificates (PEM) to verify NATS with; turns TLS on.',
  },
  NATS_TLS_CERT_FILE: {
    path: 'bus.tls.certFile',
    description: 'Client certificate (PEM) for NATS mutual TLS.',
  },
  NATS_TLS_KEY_FILE: { path: 'bus.tls.keyFile', description: 'Key (PEM) of NATS_TLS_CERT_FILE.' },
  SCYLLA_HOSTS: {
    path: 'scylla.hosts',
    description:
      'Comma-separated ScyllaDB/Cassandra contact points (host:port). Unset: messages stay in PostgreSQL.',
  },
  SCYLLA_LOCAL_DC: {
    path: 'scylla.localDataCenter',
    description: 'ScyllaDB data center the driver prefers.',
  },
  SCYLLA_KEYSPACE: { path: 'scylla.keyspace', description: 'ScyllaDB keyspace of the message tables.' },
  SCYLLA_USERNAME: { path: 'scylla.username', description: 'ScyllaDB user (password authentication).' },
  SCYLLA_PASSWORD: { path: 'scylla.password', description: 'ScyllaDB password.', secret: true },
  OPENSEARCH_URL: {
    path: 'search.opensearch.url',
    description: 'OpenSearch URL (http or https) for message search. Unset: PostgreSQL full-text search.',
  },
  OPENSEARCH_USERNAME: { path: 'search.opensearch.username', description: 'OpenSearch user (basic auth).' },
  OPENSEARCH_PASSWORD: {
    path: 'search.opensearch.password',
    description: 'OpenSearch password.',
    secret: true,
  },
  OPENSEARCH_INDEX: {
    path: 'search.opensearch.index',
    description: 'Alias of the message index (concrete indices are named after it).',
  },
  OPENSEARCH_TLS_CA_FILE: {
    path: 'search.opensearch.tls.caFile',
    description: 'CA certificates (PEM) to verify OpenSearch with.',
  },
  REDIS_URL: {
    path: 'cache.url',
    description: 'Redis URL for ephemeral state and rate limits. Unset: in-memory.',
  },
  REDIS_PREFIX: { path: 'cache.keyPrefix', description: 'Prefix of every Redis key.' },
  REDIS_USERNAME: { path: 'cache.username', description: 'Redis ACL user (with REDIS_PASSWORD).' },
  REDIS_PASSWORD: {
    path: 'cache.password',
    description: "Redis password (requirepass or the ACL user's).",
    secret: true,
  },
  REDIS_TLS_CA_FILE: {
    path: 'cache.tls.caFile',
    description: 'CA certificates (PEM) to verify Redis with; turns TLS on.',
  },
  REDIS_TLS_CERT_FILE: {
    path: 'cache.tls.certFile',
    description: 'Client certificate (PEM) for Redis mutual TLS.',
  },
  REDIS_TLS_KEY_FILE: { path: 'cache.tls.keyFile', description: 'Key (PEM) of REDIS_TLS_CERT_FILE.' },
  S3_BUCKET: {
    path: 'blob.s3.bucket',
    description: 'S3 bucket for uploads. Unset: files under DATA_DIR/blobs, served by the router.',
  },
  S3_REGION: { path: 'blob.s3.region', description: 'S3 region.' },
  S3_ENDPOINT: { path: 'blob.s3.endpoint', description: 'S3-compatible endpoint (MinIO, R2, ...).' },
  S3_PUBLIC_ENDPOINT: {
    path: 'blob.s3.publicEndpoint',
    description: 'Where clients reach S3 when not at S3_ENDPOINT (presigned URLs are signed for it).',
  },
  S3_FORCE_PATH_STYLE: {
    path: 'blob.s3.forcePathStyle',
    description: 'Path-style bucket URLs (most S3-compatible servers).',
  },
  S3_ACCESS_KEY_ID: { path: 'blob.s3.accessKeyId', description: 'S3 access key id (else the AWS chain).' },
  S3_SECRET_ACCESS_KEY: {
    path: 'blob.s3.secretAccessKey',
    description: 'S3 secret access key.',
    secret: true,
  },
  MEDIA_CDN_URL: {
    path: 'blob.publicBaseUrl',
    description: 'Base URL public assets (avatars, icons, emoji) are served under, e.g. a CDN.',
  },
  AUTH_SECRET: {
    path: 'secrets.auth',
    description: 'better-auth secret (32+ chars): signs cookies and e-mail tokens, encrypts JWKS keys.',
    secret: true,
  },
  INTERNAL_SECRET: {
    path: 'secrets.internal',
    description: 'Shared by router and subgraphs (32+ chars): signs the identity the router passes on.',
    secret: true,
  },
  WORKER_ID: { path: 'ids.workerId', description: 'Snowflake worker id (0-1023), unique per process.' },
  ACCOUNTS_URL: { path: 'router.subgraphs.accounts', description: 'Base URL of the accounts subgraph role.' },
  GUILDS_URL: { path: 'router.subgraphs.guilds', description: 'Base URL of the guilds subgraph role.' },
  MAX_CONNECTIONS_PER_USER: {
    path: 'router.limits.maxConnectionsPerUser',
    description: 'Live WebSocket connections per user across all routers.',
  },
  PRESENCE_TTL_MS: {
    path: 'router.realtime.presenceTtlMs',
    description: "How long a connection's presence outlives its router's last heartbeat.",
  },
  LARGE_GUILD_MEMBERS: {
    path: 'router.realtime.largeGuildMembers',
    description: 'Guild size above which presence goes only to memberPresence subscribers.',
  },
  BUS_MEMORY_RETENTION: {
    path: 'bus.memoryRetention',
    description: 'Embedded bus: stored events kept for resume.',
  },
  BUS_MAX_EVENTS_PER_SUBJECT: {
    path: 'bus.maxEventsPerSubject',
    description: 'Stored events kept per subject for resume (JetStream max_msgs_per_subject).',
  },
  MESSAGES_URL: { path: 'router.subgraphs.messages', description: 'Base URL of the messages subgraph role.' },
  MEDIA_URL: { path: 'router.subgraphs.media', description: 'Base URL of the media subgraph role.' },
  SEARCH_URL: { path: 'router.subgraphs.search', description: 'Base URL of the search subgraph role.' },
  VOICE_URL: { path: 'router.subgraphs.voice', description: 'Base URL of the voice subgraph role.' },
  ETCD_HOSTS: {
    path: 'voice.etcd.hosts',
    description:
      'Comma-separated etcd endpoints where SFU nodes register. Unset: the static voice.nodes list.',
  },
  ETCD_PREFIX: { path: 'voice.etcd.prefix', description: 'Key prefix of the SFU directory in etcd.' },
  ETCD_USERNAME: { path: 'voice.etcd.username', description: 'etcd user.' },
  ETCD_PASSWORD: { path: 'voice.etcd.password', description: 'etcd password.', secret: true },
  ETCD_TLS_CA_FILE: {
    path: 'voice.etcd.tls.caFile',
    description: 'CA certificates (PEM) to verify etcd with.',
  },
  VOICE_DEFAULT_REGION: {
    path: 'voice.defaultRegion',
    description: 'Region of voice rooms whose channel and guild name none.',
  },
  VOICE_SIGNING_KEY: {
    path: 'voice.signingKey',
    description: 'Ed25519 private JWK (JSON) signing voice tokens. Unset: derived from INTERNAL_SECRET.',
    secret: true,
  },
  VOICE_VERIFY_KEYS: {
    path: 'voice.verifyKeys',
    description:
      'JSON array of the public JWKs SFU nodes verify voice tokens with. Unset: derived from INTERNAL_SECRET.',
  },
  SFU_NODE_ID: { path: 'sfu.nodeId', description: "This SFU node's id (letters, digits, _ and -), unique." },
  SFU_REGION: { path: 'sfu.region', description: "This SFU node's region. Unset: VOICE_DEFAULT_REGION." },
  SFU_URL: {
    path: 'sfu.url',
    description: "The ws(s):// URL voice clients reach this node's signalling at.",
  },
  SFU_ANNOUNCED_ADDRESS: {
    path: 'sfu.announcedAddress',
    description: 'The address clients send media to (the public IP behind NAT).',
  },
  SFU_RTC_PORT: { path: 'sfu.rtcPort', description: 'First UDP/TCP media port (one per worker).' },
  SFU_WORKERS: { path: 'sfu.workers', description: 'mediasoup workers; 0 for one per core.' },
  MAIL_PROVIDER: { path: 'mail.provider', description: 'log, smtp or sendpulse.' },
  MAIL_FROM: { path: 'mail.from', description: 'Sender address of account e-mails.' },
  SMTP_URL: {
    path: 'mail.smtp.url',
    description: 'smtp://user:pass@host:port (mail.provider=smtp).',
    secret: true,
  },
  SENDPULSE_CLIENT_ID: { path: 'mail.sendpulse.clientId', description: 'SendPulse API client id.' },
  SENDPULSE_CLIENT_SECRET: {
    path: 'mail.sendpulse.clientSecret',
    description: 'SendPulse API client secret.',
    secret: true,
  },
  SENDPULSE_API_URL: { path: 'mail.sendpulse.apiUrl', description: 'SendPulse API base URL.' },
  JWT_TTL: { path: 'accounts.jwtTtl', description: 'Lifetime of issued JWTs, e.g. 15m.' },
  PRODUCT_NAME: {
    path: 'accounts.productName',
    description: 'Product name in e-mails and authenticator apps (the TOTP issuer). Default: GoChat.',
  },
  MAIL_TEMPLATES_DIR: {
    path: 'accounts.mailTemplatesDir',
    description: 'Folder whose <template>.html / .txt / .subject.txt files replace the built-in e-mails.',
  },
  NODE_ENV: {
    path: '',
    description: 'production: GraphiQL and introspection off, /metrics on port 9464 (unless configured).',
  },
  METRICS_PORT: {
    path: 'metrics.port',
    description: 'Serves /metrics on this port only, not on the public one. Unset: on the role port.',
  },
  GRAPHIQL: { path: 'router.graphiql', description: 'GraphiQL at /graphql in a browser (true or false).' },
  INTROSPECTION: {
    path: 'router.introspection',
    description: 'Schema introspection queries through the router (true or false).',
  },
  WEB_CLIENT: {
    path: 'router.web.enabled',
    description: 'The web client at / (true or false; false for an API-only router).',
  },
  WEB_CLIENT_DIR: {
    path: 'router.web.dir',
    description:
      'Folder of the built web client; relative to the repository root. Default: clients/web/dist.',
  },
  CORS_ORIGINS: {
    path: 'router.cors.origins',
    description:
      "Comma-separated browser origins allowed to call /graphql, or *. Unset: PUBLIC_URL's origin.",
  },
  SHUTDOWN_DRAIN_DELAY_MS: {
    path: 'shutdown.drainDelayMs',
    description: 'On SIGTERM, how long /ready fails before the listener closes (lets load balancers notice).',
  },
  SHUTDOWN_TIMEOUT_MS: {
    path: 'shutdown.timeoutMs',
    description: 'How long a drain may take before the process force-closes and exits 1.',
  },
} as const satisfies Record<string, EnvVar>;

export type EnvVarName = keyof typeof ENV_VARS;
