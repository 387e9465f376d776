import { DomainError } from '@gochat/errors';

/** A cursor names one stored event: `<bus epoch>.<seq in base 36>`. Opaque to clients. */
export function formatCursor(epoch: string, seq: number): string {
  return `${epoch}.${seq.toString(36)}`;
}

/**
 * The seq to resume after. A cursor from another event log (a restarted embedded process, a recreated
 * stream) cannot be replayed here: RESYNC_REQUIRED, so the client refetches instead of missing events.
 */
export function parseCursor(cursor: string, epoch: string): number {
  const match = /^([a-z0-9]{1,40})\.([0-9a-z]{1,11})$/.exec(cursor);
  const seq = match ? parseInt(match[2]!, 36) : NaN;
  if (!match || !Number.isSafeInteger(seq)) throw new DomainError('VALIDATION', 'The cursor is malformed.');
  if (match[1] !== epoch) throw resyncRequired('The cursor belongs to an event log that is gone.');
  return seq;
}

export function resyncRequired(why: string): DomainError {
  return new DomainError('RESYNC_REQUIRED', `${why} Refetch, then subscribe without \`after\`.`);
}
