/**
 * Error codes of responses, stable like the API's: a client branches on them, never on messages.
 * - BAD_REQUEST: the frame or its data is malformed (the connection stays open).
 * - UNAUTHENTICATED: no valid voice token yet, or it was refused.
 * - FORBIDDEN: the peer may not do this (no SPEAK for audio, no STREAM for video, server-muted).
 * - NOT_FOUND: no such transport, producer or consumer for this peer (or not in this room).
 * - LIMIT: too many transports, producers or consumers; the room is full.
 * - CONFLICT: not in this state (join twice, produce before join, anything after leave).
 * - INTERNAL: the SFU failed; the message says nothing about why (logged with the request id).
 */
export const SIGNAL_ERROR_CODES = [
  'BAD_REQUEST',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'LIMIT',
  'CONFLICT',
  'INTERNAL',
] as const;

export type SignalErrorCode = (typeof SIGNAL_ERROR_CODES)[number];

export class SignalError extends Error {
  constructor(
    readonly code: SignalErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SignalError';
  }
}
