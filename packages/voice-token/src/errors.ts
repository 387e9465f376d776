export type VoiceTokenErrorCode =
  | 'malformed'
  | 'invalid-signature'
  | 'expired'
  | 'wrong-node'
  | 'wrong-channel'
  | 'wrong-issuer'
  | 'wrong-type'
  | 'replayed';

/**
 * Every refusal of a voice token. The message is fixed per refusal and never repeats the token or
 * any part of it: a token is a bearer credential, and refusals end up in logs. No `cause` either,
 * since jose's errors carry the decoded claims.
 */
export class VoiceTokenError extends Error {
  override readonly name = 'VoiceTokenError';

  constructor(
    readonly code: VoiceTokenErrorCode,
    message: string,
  ) {
    super(message);
  }
}
