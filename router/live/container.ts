import { DomainError } from '@gochat/errors';
import { parse, type ExecutionResult } from 'graphql';

import type { Principal } from '../principal.ts';
import type { Runner } from './runner.ts';

const CHANNEL = parse(/* GraphQL */ `
  query RealtimeChannel($id: ID!) {
    channel(id: $id) {
      id
      guild {
        id
      }
    }
  }
`);
const THREAD = parse(/* GraphQL */ `
  query RealtimeThread($id: ID!) {
    thread(id: $id) {
      id
      parentChannel {
        id
        guild {
          id
        }
      }
    }
  }
`);

export interface Container {
  id: string;
  guildId: string | null;
  /** The channel whose permissions apply: a thread's parent, or the channel itself. */
  governingChannelId: string;
}

const codeOf = (result: ExecutionResult) => result.errors?.[0]?.extensions?.code;

/** Finds a channel, DM or thread as the viewer; their refusals (FORBIDDEN, NOT_FOUND) pass through. */
export async function findContainer(run: Runner, principal: Principal, id: string): Promise<Container> {
  const channel = await run(CHANNEL, { id }, principal);
  if (!channel.errors?.length) {
    const c = (channel.data as { channel: { id: string; guild: { id: string } | null } }).channel;
    return { id, guildId: c.guild?.id ?? null, governingChannelId: id };
  }
  if (codeOf(channel) !== 'NOT_FOUND') throw refusal(channel);
  const thread = await run(THREAD, { id }, principal);
  if (thread.errors?.length) throw refusal(thread);
  const t = (thread.data as { thread: { parentChannel: { id: string; guild: { id: string } | null } } })
    .thread;
  return { id, guildId: t.parentChannel.guild?.id ?? null, governingChannelId: t.parentChannel.id };
}

function refusal(result: ExecutionResult): DomainError {
  const code = codeOf(result);
  if (code === 'FORBIDDEN' || code === 'NOT_FOUND' || code === 'UNAUTHENTICATED' || code === 'VALIDATION')
    return new DomainError(code, result.errors![0]!.message);
  return new DomainError('SERVICE_UNAVAILABLE', 'The channel could not be looked up. Retry shortly.');
}
