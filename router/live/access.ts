import { DomainError } from '@gochat/errors';
import { parse, type ExecutionResult } from 'graphql';

import type { Principal } from '../principal.ts';
import type { Runner } from './runner.ts';

export interface GuildAccess {
  memberCount: number;
  /** Guild-level permission bits, as basePermissions gives them (the owner and ADMINISTRATOR hold all). */
  permissions: bigint;
  /** Guild channels the viewer can see; a thread follows its parent. */
  channels: Set<string>;
  /** Of those, the channels whose history the viewer may read (READ_MESSAGE_HISTORY). */
  history: Set<string>;
}

/** What one viewer may see right now, as the guilds and accounts subgraphs answer it. */
export interface ViewerAccess {
  guilds: Map<string, GuildAccess>;
  directChannels: Set<string>;
  friends: Set<string>;
}

const ACCESS = parse(/* GraphQL */ `
  query RealtimeAccess($guildId: ID) {
    realtimeAccess(guildId: $guildId) {
      guilds {
        id
        memberCount
        permissions
        channelIds
        historyChannelIds
      }
      directChannelIds
    }
  }
`);
const FRIENDS = parse(/* GraphQL */ `
  query RealtimeFriends {
    relationships(status: FRIEND) {
      user {
        id
      }
    }
  }
`);

interface AccessData {
  realtimeAccess: {
    guilds: {
      id: string;
      memberCount: number;
      permissions: string;
      channelIds: string[];
      historyChannelIds: string[];
    }[];
    directChannelIds: string[];
  };
}

function dataOf<T>(result: ExecutionResult): T {
  const error = result.errors?.[0];
  if (error || !result.data) {
    const code = error?.extensions?.code;
    throw new DomainError(
      code === 'UNAUTHENTICATED' || code === 'FORBIDDEN' || code === 'NOT_FOUND'
        ? code
        : 'SERVICE_UNAVAILABLE',
      error?.message ?? 'Access could not be read.',
    );
  }
  return result.data as T;
}

function guildAccess(g: AccessData['realtimeAccess']['guilds'][number]): GuildAccess {
  return {
    memberCount: g.memberCount,
    permissions: BigInt(g.permissions),
    channels: new Set(g.channelIds),
    history: new Set(g.historyChannelIds),
  };
}

/** Reads a viewer's whole access: guilds with their visible channels, DMs and friends. */
export async function loadAccess(run: Runner, principal: Principal): Promise<ViewerAccess> {
  const [access, friends] = await Promise.all([
    run(ACCESS, {}, principal).then((r) => dataOf<AccessData>(r)),
    run(FRIENDS, {}, principal).then((r) => dataOf<{ relationships: { user: { id: string } }[] }>(r)),
  ]);
  return {
    guilds: new Map(access.realtimeAccess.guilds.map((g) => [g.id, guildAccess(g)])),
    directChannels: new Set(access.realtimeAccess.directChannelIds),
    friends: new Set(friends.relationships.map((r) => r.user.id)),
  };
}

/** One guild's access (undefined when not a member) and the DMs, for a refresh after a change. */
export async function loadGuildAccess(
  run: Runner,
  principal: Principal,
  guildId: string,
): Promise<{ guild: GuildAccess | undefined; directChannels: Set<string> }> {
  const data = dataOf<AccessData>(await run(ACCESS, { guildId }, principal));
  const guild = data.realtimeAccess.guilds.find((g) => g.id === guildId);
  return {
    guild: guild && guildAccess(guild),
    directChannels: new Set(data.realtimeAccess.directChannelIds),
  };
}

const GUILD_IDS = parse(/* GraphQL */ `
  query RealtimeGuildIds {
    realtimeAccess {
      guilds {
        id
      }
    }
  }
`);

/** The viewer's guild ids: where their presence is published. */
export async function loadGuildIds(run: Runner, principal: Principal): Promise<{ guilds: string[] }> {
  const data = dataOf<{ realtimeAccess: { guilds: { id: string }[] } }>(await run(GUILD_IDS, {}, principal));
  return { guilds: data.realtimeAccess.guilds.map((g) => g.id) };
}

type GuildRead = Awaited<ReturnType<typeof loadGuildAccess>>;

/**
 * Shares one guild-access read among a user's feeds on this router: a channel, role or member event
 * makes each of them re-read access, and the viewer's viewerFeed, guildEvents, channelEvents and
 * messageCreated subscriptions then cost one gateway query, not one each. Keyed by the event that
 * caused the read, so a later change is always read afresh.
 */
export class AccessReads {
  private readonly inFlight = new Map<string, Promise<GuildRead>>();

  constructor(private readonly shareMs = 2_000) {}

  guild(run: Runner, principal: Principal & { kind: 'user' }, guildId: string, eventId?: string) {
    if (eventId === undefined) return loadGuildAccess(run, principal, guildId);
    const key = `${principal.userId}\0${guildId}\0${eventId}`;
    let read = this.inFlight.get(key);
    if (!read) {
      read = loadGuildAccess(run, principal, guildId);
      this.inFlight.set(key, read);
      const forget = () => setTimeout(() => this.inFlight.delete(key), this.shareMs).unref();
      read.then(forget, () => this.inFlight.delete(key));
    }
    return read;
  }
}
