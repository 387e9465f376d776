/**
 * The role registry: every role `gochat start` can run, and the one list of them. Role names and
 * groups, the schemas the supergraph is composed from, codegen's subgraphs, config validation, the
 * infrastructure a process starts and compose.yaml are all derived from it
 * (docs/decisions/0032-role-registry.md). Adding a role is one entry here plus its own folder.
 */
import { accountsConfigSchema } from '../subgraphs/accounts/config.ts';
import { guildsConfigSchema } from '../subgraphs/guilds/config.ts';
import { mediaConfigSchema } from '../subgraphs/media/config.ts';
import { messagesConfigSchema } from '../subgraphs/messages/config.ts';
import { searchConfigSchema } from '../subgraphs/search/config.ts';
import { voiceConfigSchema } from '../subgraphs/voice/config.ts';
import { routerConfigSchema } from '../router/config.ts';
import { sfuConfigSchema, SFU_PATH } from '../sfu/config.ts';
import { embedderConfigSchema } from '../workers/embedder/config.ts';
import { eventCounterConfigSchema } from '../workers/event-counter/config.ts';
import { indexerConfigSchema } from '../workers/indexer/config.ts';
import { mediaJanitorConfigSchema } from '../workers/media-janitor/config.ts';
import { defineRole, requiredLink, type RoleSpec, type SchemaSource } from './role-spec.ts';

export const ROLES = {
  router: defineRole({
    summary: 'the public GraphQL API and WebSocket subscriptions, over every subgraph',
    serves: {
      kind: 'router',
      // realtime is schema only: the router serves its fields itself (decision 0017).
      ownSchemas: [{ name: 'realtime', file: 'subgraphs/realtime/schema.graphql' }],
    },
    configSchema: routerConfigSchema,
    defaultPort: 4000,
    // blob: it serves the embedded store's signed uploads and downloads, and public assets.
    needs: ['bus', 'cache', 'presence', 'blob'],
    create: async (config, { base, parts }, links) => {
      const { createRouterRole } = await import('../router/role.ts');
      const accounts = requiredLink(links, 'accounts'); // verifies tokens
      return createRouterRole({ config, links: { ...links, accounts }, ...parts, ...base });
    },
  }),

  'subgraph:accounts': defineRole({
    summary: 'users, sessions, sign-up and sign-in, relationships',
    serves: {
      kind: 'subgraph',
      schema: { name: 'accounts', file: 'subgraphs/accounts/schema.graphql' },
      codegen: {
        contextModule: 'resolvers/context.ts',
        mappers: { User: '../store/rows.ts#UserRow', Relationship: '../store/rows.ts#RelationshipRow' },
      },
    },
    configSchema: accountsConfigSchema,
    defaultPort: 4001,
    needs: ['database', 'bus', 'cache', 'outbox'],
    migrates: ['database'],
    create: async (config, { base, parts }) => {
      const { createAccountsRole } = await import('../subgraphs/accounts/role.ts');
      return createAccountsRole({
        config,
        db: parts.database,
        cache: parts.cache,
        outbox: parts.outbox,
        ...base,
      });
    },
  }),

  'subgraph:guilds': defineRole({
    summary: 'guilds, channels, members, roles, invites, moderation',
    serves: {
      kind: 'subgraph',
      schema: { name: 'guilds', file: 'subgraphs/guilds/schema.graphql' },
      codegen: {
        contextModule: 'resolvers/context.ts',
        mappers: {
          Guild: '../store/rows.ts#GuildRow',
          Channel: '../store/rows.ts#ChannelRow',
          Role: '../store/rows.ts#RoleRow',
          Member: '../store/rows.ts#MemberRow',
          PermissionOverwrite: '../store/rows.ts#OverwriteRow',
          Invite: '../store/rows.ts#InviteRow',
          Ban: '../store/rows.ts#BanRow',
          AuditLogEntry: '../store/rows.ts#AuditRow',
          AuditChange: '../store/rows.ts#AuditChangeRow',
          Emoji: '../store/rows.ts#EmojiRow',
          User: '../store/rows.ts#UserRef',
          MemberConnection: '../store/rows.ts#Page<MemberRow>',
          BanConnection: '../store/rows.ts#Page<BanRow>',
          AuditLogConnection: '../store/rows.ts#Page<AuditRow>',
        },
      },
    },
    configSchema: guildsConfigSchema,
    defaultPort: 4002,
    // The message store: join messages and ban purges write to it. The bus: deleted accounts
    // (UserDeleted) leave their guilds (subgraphs/guilds/deleted-users.ts). The blob store: public
    // URLs of members' guild avatars (Member.avatarUrl).
    needs: ['database', 'bus', 'outbox', 'timeline', 'blob'],
    migrates: ['database'],
    create: async (config, { base, parts }) => {
      const { createGuildsRole } = await import('../subgraphs/guilds/role.ts');
      return createGuildsRole({
        config,
        db: parts.database,
        bus: parts.bus,
        outbox: parts.outbox,
        timeline: parts.timeline,
        blob: parts.blob,
        ...base,
      });
    },
  }),

  'subgraph:messages': defineRole({
    summary: 'messages, history, threads, reactions, pins, read states',
    serves: {
      kind: 'subgraph',
      schema: { name: 'messages', file: 'subgraphs/messages/schema.graphql' },
      codegen: {
        contextModule: 'resolvers/context.ts',
        mappers: {
          Message: '../store/rows.ts#MessageRow',
          Channel: '../store/rows.ts#ChannelRef',
          User: '../store/rows.ts#UserRef',
          MessageReference: '../store/rows.ts#MessageRefRow',
          Attachment: '../store/rows.ts#AttachmentRef',
          MessageVersion: '../store/rows.ts#MessageVersionRow',
          Reaction: '../store/rows.ts#ReactionRow',
          Thread: '../store/rows.ts#ThreadRow',
          ThreadMember: '../store/rows.ts#ThreadMemberRow',
          ReadState: '../store/rows.ts#ReadStateRow',
          GuildUnreads: '../store/rows.ts#GuildUnreadsRow',
          Unreads: '../store/rows.ts#UnreadsRow',
        },
      },
    },
    configSchema: messagesConfigSchema,
    defaultPort: 4003,
    // blob: signed download URLs of attachments.
    needs: ['database', 'bus', 'cache', 'outbox', 'timeline', 'blob'],
    // Only this role applies the CQL migrations, so no two kinds of process race on schema changes.
    migrates: ['database', 'timeline'],
    create: async (config, { base, parts }) => {
      const { createMessagesRole } = await import('../subgraphs/messages/role.ts');
      return createMessagesRole({
        config,
        db: parts.database,
        outbox: parts.outbox,
        bus: parts.bus,
        cache: parts.cache,
        timeline: parts.timeline,
        blob: parts.blob,
        ...base,
      });
    },
  }),

  'subgraph:media': defineRole({
    summary: 'uploads (attachments, avatars, guild icons and banners, emoji images): verify, process, serve',
    serves: {
      kind: 'subgraph',
      schema: { name: 'media', file: 'subgraphs/media/schema.graphql' },
      codegen: {
        contextModule: 'resolvers/context.ts',
        mappers: {
          Upload: '../store/rows.ts#UploadRow',
          Avatar: '../store/rows.ts#AvatarRow',
          User: '../store/rows.ts#EntityRef',
          Guild: '../store/rows.ts#EntityRef',
          Emoji: '../store/rows.ts#EntityRef',
        },
      },
    },
    configSchema: mediaConfigSchema,
    defaultPort: 4004,
    needs: ['database', 'bus', 'outbox', 'blob'],
    create: async (config, { base, parts }) => {
      const { createMediaRole } = await import('../subgraphs/media/role.ts');
      return createMediaRole({ config, db: parts.database, blob: parts.blob, outbox: parts.outbox, ...base });
    },
  }),

  'subgraph:search': defineRole({
    summary: 'message search across a guild, a channel or your DMs, only where you may read',
    serves: {
      kind: 'subgraph',
      schema: { name: 'search', file: 'subgraphs/search/schema.graphql' },
      codegen: {
        contextModule: 'resolvers/context.ts',
        mappers: {
          Message: '../store/rows.ts#MessageRef',
          SearchResult: '../store/rows.ts#SearchResultRow',
          SearchResultPage: '../store/rows.ts#SearchResultPageRow',
        },
      },
    },
    configSchema: searchConfigSchema,
    defaultPort: 4005,
    // timeline: results are checked against the message store, which a deletion reaches first.
    needs: ['database', 'search', 'timeline'],
    create: async (config, { base, parts }) => {
      const { createSearchRole } = await import('../subgraphs/search/role.ts');
      return createSearchRole({
        config,
        db: parts.database,
        index: parts.search,
        timeline: parts.timeline,
        ...base,
      });
    },
  }),

  'subgraph:voice': defineRole({
    summary: 'voice calls: who may join which call on which SFU node, voice states, voice moderation',
    serves: {
      kind: 'subgraph',
      schema: { name: 'voice', file: 'subgraphs/voice/schema.graphql' },
      codegen: {
        contextModule: 'resolvers/context.ts',
        mappers: {
          VoiceState: '../store/rows.ts#VoiceStateRow',
          VoiceConnection: '../store/rows.ts#VoiceConnectionRow',
          VoiceModeration: '../store/rows.ts#VoiceModerationRow',
          VoiceRegion: '../store/rows.ts#VoiceRegionRow',
          User: '../store/rows.ts#EntityRef',
          Channel: '../store/rows.ts#EntityRef',
          Guild: '../store/rows.ts#EntityRef',
        },
      },
    },
    configSchema: voiceConfigSchema,
    defaultPort: 4006,
    // bus: the SFU nodes' reports and the guild changes voice follows; voiceNodes: placement.
    needs: ['database', 'bus', 'outbox', 'voiceNodes'],
    create: async (config, { base, parts }) => {
      const { createVoiceRole } = await import('../subgraphs/voice/role.ts');
      return createVoiceRole({
        config,
        db: parts.database,
        bus: parts.bus,
        outbox: parts.outbox,
        directory: parts.voiceNodes,
        ...base,
      });
    },
  }),

  sfu: defineRole({
    summary:
      'a voice SFU node (mediasoup): signalling at /sfu, media on its RTC ports, announced in the node directory',
    serves: { kind: 'endpoint', path: SFU_PATH },
    configSchema: sfuConfigSchema,
    defaultPort: 4020,
    // bus: the API's orders and the node's peer reports; voiceNodes: where it announces itself.
    needs: ['bus', 'voiceNodes'],
    create: async (config, { base, parts }) => {
      const { createSfuRole } = await import('../sfu/role.ts');
      return createSfuRole({ config, bus: parts.bus, directory: parts.voiceNodes, ...base });
    },
  }),

  'worker:event-counter': defineRole({
    summary: 'counts message events through a durable consumer (gochat_message_events_total)',
    serves: { kind: 'worker' },
    configSchema: eventCounterConfigSchema,
    defaultPort: 4010,
    needs: ['bus'],
    create: async (config, { base, parts }) => {
      const { createEventCounterWorkerRole } = await import('../workers/event-counter/role.ts');
      return createEventCounterWorkerRole({ config, bus: parts.bus, ...base });
    },
  }),

  'worker:indexer': defineRole({
    summary: 'keeps the message search index in step with message events (durable consumer, bulk writes)',
    serves: { kind: 'worker' },
    configSchema: indexerConfigSchema,
    defaultPort: 4012,
    // The search part: its OpenSearch index template is applied by whoever opens it first.
    needs: ['database', 'bus', 'timeline', 'search'],
    create: async (config, { base, parts }) => {
      const { createIndexerWorkerRole } = await import('../workers/indexer/role.ts');
      return createIndexerWorkerRole({
        config,
        bus: parts.bus,
        db: parts.database,
        timeline: parts.timeline,
        index: parts.search,
        ...base,
      });
    },
  }),

  'worker:embedder': defineRole({
    summary:
      'turns links in messages into link previews, fetched behind an SSRF guard, pictures copied to the blob store',
    serves: { kind: 'worker' },
    configSchema: embedderConfigSchema,
    defaultPort: 4013,
    // cache: unfurled links are shared by all messages and processes; blob: copies of their pictures.
    needs: ['database', 'bus', 'outbox', 'timeline', 'cache', 'blob'],
    create: async (config, { base, parts }) => {
      const { createEmbedderWorkerRole } = await import('../workers/embedder/role.ts');
      return createEmbedderWorkerRole({
        config,
        bus: parts.bus,
        db: parts.database,
        timeline: parts.timeline,
        cache: parts.cache,
        blob: parts.blob,
        outbox: parts.outbox,
        ...base,
      });
    },
  }),

  'worker:media-janitor': defineRole({
    summary: 'deletes the objects of unused uploads after the events that released them, and expired uploads',
    serves: { kind: 'worker' },
    configSchema: mediaJanitorConfigSchema,
    defaultPort: 4011,
    needs: ['database', 'bus', 'blob'],
    create: async (config, { base, parts }) => {
      const { createMediaJanitorWorkerRole } = await import('../workers/media-janitor/role.ts');
      return createMediaJanitorWorkerRole({
        config,
        bus: parts.bus,
        db: parts.database,
        blob: parts.blob,
        ...base,
      });
    },
  }),
} satisfies Record<string, RoleSpec>;

export type Registry = Readonly<Record<string, RoleSpec>>;
export type RoleName = keyof typeof ROLES;
export const ROLE_NAMES = Object.keys(ROLES) as RoleName[];

/** Named sets of roles `gochat start` takes besides role names. `all` is the default. */
export const GROUPS: Readonly<Record<string, readonly RoleName[]>> = { all: ROLE_NAMES };

/** The subgraph roles' schemas, in registry order. */
export function subgraphSchemas(registry: Registry = ROLES): SchemaSource[] {
  return Object.values(registry).flatMap((spec) =>
    spec.serves.kind === 'subgraph' ? [spec.serves.schema] : [],
  );
}

/** Every schema the supergraph is composed from: the subgraphs', then those the router serves itself. */
export function composedSchemas(registry: Registry = ROLES): SchemaSource[] {
  const own = Object.values(registry).flatMap((spec) =>
    spec.serves.kind === 'router' ? spec.serves.ownSchemas : [],
  );
  return [...subgraphSchemas(registry), ...own];
}

/** A role's entry; the name comes from selectRoles or a test, so an unknown one is a bug. */
export function roleSpec(name: string, registry: Registry = ROLES): RoleSpec {
  const spec = registry[name];
  if (!spec) throw new Error(`no role ${name} in the registry`);
  return spec;
}

/** The subgraph a role serves, if it serves one. */
export function subgraphOf(spec: RoleSpec): string | undefined {
  return spec.serves.kind === 'subgraph' ? spec.serves.schema.name : undefined;
}
