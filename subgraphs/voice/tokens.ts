import type { VoiceConfig } from '@gochat/config';
import { createVoiceTokenSigner, deriveVoiceKeyPair, type VoiceTokenSigner } from '@gochat/voice-token';

/** The API's voice token signer: the configured key, else one derived from the internal secret. */
export function voiceTokenSigner(
  settings: VoiceConfig,
  internalSecret: string,
  issuer: string,
): VoiceTokenSigner {
  const privateJwk = settings.signingKey ?? deriveVoiceKeyPair(internalSecret).privateJwk;
  return createVoiceTokenSigner({ privateJwk, issuer, ttlSeconds: settings.tokenTtlSeconds });
}
