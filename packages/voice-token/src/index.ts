/**
 * @gochat/voice-token: the short-lived tokens that admit a user to a voice SFU node. The API signs
 * them with an Ed25519 private key; SFU nodes verify them with the public key alone, so a
 * compromised node cannot mint tokens.
 *
 * A token (`typ: gochat-voice+jwt`, `alg: EdDSA`, `kid`) carries `iss`, `sub` (the user), `aud`
 * (`sfu:<nodeId>`), `chn` (the channel), `gld` (the guild, or null), `vr` (the holder's rights in
 * the room: `[flags, bitrate, userLimit]`, see rights.ts), `jti`, `iat` and `exp`. The `jti` names
 * the voice session the token opens (`tokenId`).
 *
 * `verify` refuses with a VoiceTokenError, whose `code` says why and whose message never repeats
 * the token: malformed input (not a string, over 4096 characters, not a compact JWS, missing or
 * ill-typed claims, rights out of range or with unknown flags), an algorithm other than EdDSA
 * (`none`, HS256 keyed with the public key), an unknown `kid` or bad signature, the wrong `typ`,
 * issuer, node or channel, an expired token (beyond `clockToleranceSeconds`), and with a replay
 * guard, a token's second use.
 */
export {
  generateVoiceKeyPair,
  publicJwkOf,
  type VoiceKeyPair,
  type VoicePrivateJwk,
  type VoicePublicJwk,
} from './keys.ts';
export {
  createVoiceTokenSigner,
  type SignedVoiceToken,
  type VoiceTokenSigner,
  type VoiceTokenSignerOptions,
} from './sign.ts';
export {
  createVoiceTokenVerifier,
  type VerifiedVoiceToken,
  type VoiceTokenExpectation,
  type VoiceTokenVerifier,
  type VoiceTokenVerifierOptions,
} from './verify.ts';
export { createReplayGuard, type ReplayGuard, type ReplayGuardOptions } from './replay.ts';
export { VoiceTokenError, type VoiceTokenErrorCode } from './errors.ts';
export { VOICE_TOKEN_TYPE, type VoiceGrant } from './grant.ts';
export { VOICE_RIGHTS_LIMITS, type VoiceRights } from './rights.ts';
export { deriveVoiceKeyPair } from './derive.ts';
