import { DomainError, forbidden, notFound, unauthenticated, validation } from '@gochat/errors';
import { isSnowflake } from '@gochat/ids';
import type { TimelineMessage } from '@gochat/message-store';
import { PERMISSIONS, has, requirePermissions, type PermissionName } from '@gochat/permissions';

import type { MessagesContext } from './resolvers/context.ts';
import { permissionsIn, type ChannelAccessFacts } from '@gochat/channel-access';

export { permissionsIn };

/** A snowflake argument, or VALIDATION naming the field. */
export function id(value: string, field: string): string {
  if (!isSnowflake(value)) throw validation(`${field}: not a valid id`, field);
  return value;
}

export { isArchived } from '@gochat/channel-access';

export function requireInChannel(bits: bigint, ...names: PermissionName[]): void {
  if (!has(bits, PERMISSIONS.VIEW_CHANNEL)) throw forbidden('Not allowed to view this channel.');
  requirePermissions(bits, ...names);
}

export interface Access {
  facts: ChannelAccessFacts;
  /** The caller's permissions there; every bit for a router hydration scoped to this container. */
  bits: bigint;
  /** The caller, or undefined for a scoped router hydration. */
  userId: string | undefined;
  /** The container id that was asked for (a channel, or a thread). */
  containerId: string;
}

/** The caller's access to a container (channel or thread). NOT_FOUND when it does not exist. */
export async function accessTo(ctx: MessagesContext, containerId: string): Promise<Access> {
  const identity = ctx.identity;
  if (identity.kind === 'anonymous') throw unauthenticated();
  const facts = await ctx.loaders.access.load(containerId);
  if (!facts) throw notFound('Channel');
  if (identity.kind === 'scope') {
    if (identity.scope.channelId !== containerId) throw forbidden('Not allowed to view this channel.');
    return { facts, bits: -1n, userId: undefined, containerId };
  }
  if (identity.kind !== 'user') throw unauthenticated();
  return { facts, bits: permissionsIn(facts, identity.userId), userId: identity.userId, containerId };
}

/** Readers: VIEW_CHANNEL and READ_MESSAGE_HISTORY (DM participants have both), or a scoped hydration. */
export async function readable(ctx: MessagesContext, containerId: string): Promise<Access> {
  const access = await accessTo(ctx, containerId);
  if (access.userId !== undefined) requireInChannel(access.bits, 'READ_MESSAGE_HISTORY');
  return access;
}

/**
 * Whether the caller may read the messages of a container, by readable()'s rule, as a yes or no for
 * fields that show a message of another place (a reply's target, a thread's starter). A scoped router
 * hydration of a thread also reads its parent channel, whose permissions the thread has.
 */
export async function mayRead(ctx: MessagesContext, containerId: string): Promise<boolean> {
  try {
    await readable(ctx, containerId);
    return true;
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const identity = ctx.identity;
    if (identity.kind !== 'scope') return false;
    const scoped = await ctx.loaders.access.load(identity.scope.channelId);
    return scoped?.thread != null && scoped.channelId === containerId;
  }
}

/** The signed-in user's access, for mutations. UNAUTHENTICATED otherwise (scoped hydrations never write). */
export async function asUser(
  ctx: MessagesContext,
  containerId: string,
): Promise<Access & { userId: string }> {
  if (ctx.identity.kind !== 'user') throw unauthenticated();
  const access = await accessTo(ctx, containerId);
  return access as Access & { userId: string };
}

/**
 * Senders: VIEW_CHANNEL and SEND_MESSAGES (SEND_MESSAGES_IN_THREADS in a thread; a timeout takes both
 * away), no block between the two users of a 1:1 DM, an other user of a 1:1 DM whose account was not
 * deleted (as Discord refuses; a group DM stays writable, its deleted member just no longer reads), a
 * container that holds messages, and for a locked thread MANAGE_THREADS.
 */
export async function sendable(
  ctx: MessagesContext,
  containerId: string,
): Promise<Access & { userId: string }> {
  const access = await asUser(ctx, containerId);
  const { facts, bits } = access;
  if (facts.thread) {
    requireInChannel(bits, 'SEND_MESSAGES_IN_THREADS');
    if (facts.thread.locked) requirePermissions(bits, 'MANAGE_THREADS');
  } else {
    requireInChannel(bits, 'SEND_MESSAGES');
  }
  if (facts.blocked) throw forbidden('You cannot message this user.');
  if (facts.recipientDeleted) throw forbidden("This user's account was deleted.");
  if (facts.kind === 'voice' || facts.kind === 'category')
    throw validation(`channelId: a ${facts.kind} channel holds no messages`, 'channelId');
  return access;
}

/** A message of the container, for someone who can read it. NOT_FOUND for unknown or foreign ids. */
export async function readableMessage(
  ctx: MessagesContext,
  containerId: string,
  messageId: string,
): Promise<{ access: Access; message: TimelineMessage }> {
  const access = await readable(ctx, id(containerId, 'channelId'));
  const message = await ctx.loaders.message.load(`${containerId}:${id(messageId, 'messageId')}`);
  if (!message) throw notFound('Message');
  return { access, message };
}
