import type { CatalogEvent } from '@gochat/events';
import { PERMISSIONS, has } from '@gochat/permissions';

import type { GuildAccess } from './access.ts';

/**
 * A viewer's version of an event's payload, when it differs from the stored one. Viewers with equal
 * keys get identical bytes, so payloads stay built once per event, selection and key.
 */
export interface View {
  key: string;
  data: Record<string, unknown>;
}

/**
 * Whether any viewer may see less of this payload than is stored: a guild event naming an actor, a
 * removal reason, an invite code or channel ids. Decided once per event (toLiveEvent), so the
 * per-viewer check of the common case (a message, typing, a reaction) is one property read.
 */
export function isRedactable(event: CatalogEvent): boolean {
  // Read as a record: these fields are cut from whichever event carries them.
  const data: Record<string, unknown> = event.data;
  return (
    typeof data.guildId === 'string' &&
    (data.actorId !== undefined ||
      data.reason !== undefined ||
      data.inviteCode !== undefined ||
      data.channelIds !== undefined)
  );
}

/**
 * What a viewer may see of an event, by the same permissions as the query that would show it
 * (decision 0023): who made a guild change (actorId) and why a member left (reason) are audit-log
 * facts (VIEW_AUDIT_LOG), except for the actor themselves and, for the reason, the member who was
 * removed; an invite code is for MANAGE_GUILD holders (who can list invites) and the member who used
 * it; a reordering lists only the channels the viewer can see. DMs and group DMs are not redacted:
 * their participants see every change there.
 *
 * `guild` is the viewer's access to the event's guild, undefined when they are not (or no longer) a
 * member. Returns undefined when the viewer sees the payload as stored.
 */
export function viewOf(
  event: CatalogEvent & { redactable: boolean },
  viewerId: string,
  guild: (Pick<GuildAccess, 'permissions'> & Partial<Pick<GuildAccess, 'channels'>>) | undefined,
): View | undefined {
  // The hot path: a message, typing, a reaction by its user... nothing to cut, nothing allocated.
  if (!event.redactable) return undefined;
  const data: Record<string, unknown> = event.data;
  const permissions = guild?.permissions ?? 0n;
  const removed: string[] = [];
  const out: Record<string, unknown> = { ...data };
  const drop = (field: string) => {
    if (out[field] === undefined) return;
    delete out[field];
    removed.push(field);
  };

  if (
    typeof data.actorId === 'string' &&
    data.actorId !== viewerId &&
    !has(permissions, PERMISSIONS.VIEW_AUDIT_LOG)
  )
    drop('actorId');
  if (
    event.type === 'GuildMemberRemoved' &&
    data.userId !== viewerId &&
    !has(permissions, PERMISSIONS.VIEW_AUDIT_LOG)
  )
    drop('reason');
  if (
    event.type === 'GuildMemberAdded' &&
    data.userId !== viewerId &&
    !has(permissions, PERMISSIONS.MANAGE_GUILD)
  )
    drop('inviteCode');

  let key = removed.join(',');
  if (event.type === 'ChannelsReordered') {
    const all = event.data.channelIds;
    const visible = all.filter((id) => guild?.channels?.has(id) ?? false);
    if (visible.length !== all.length) {
      out.channelIds = visible;
      key = `${key};channels:${visible.join(',')}`;
    }
  }
  return key ? { key, data: out } : undefined;
}
