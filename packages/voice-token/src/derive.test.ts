import { describe, expect, it } from 'vitest';

import { deriveVoiceKeyPair } from './derive.ts';
import { createVoiceTokenSigner } from './sign.ts';
import { createVoiceTokenVerifier } from './verify.ts';

const SECRET = 'a-long-internal-secret-of-at-least-32-chars';

describe('deriveVoiceKeyPair', () => {
  it('derives the same pair from the same secret, and another from another', () => {
    const a = deriveVoiceKeyPair(SECRET);
    expect(deriveVoiceKeyPair(SECRET)).toEqual(a);
    expect(deriveVoiceKeyPair(`${SECRET}!`).publicJwk.x).not.toBe(a.publicJwk.x);
    expect(a.publicJwk).not.toHaveProperty('d');
  });

  it('refuses a short secret', () => {
    expect(() => deriveVoiceKeyPair('short')).toThrow(TypeError);
  });

  it('signs tokens the derived public key verifies', async () => {
    const { privateJwk, publicJwk } = deriveVoiceKeyPair(SECRET);
    const signer = createVoiceTokenSigner({ privateJwk, issuer: 'gochat', ttlSeconds: 60 });
    const grant = {
      userId: 'u1',
      channelId: 'c1',
      guildId: null,
      nodeId: 'n1',
      rights: {
        speak: true,
        stream: false,
        serverMute: false,
        serverDeaf: false,
        bitrate: 64_000,
        userLimit: 0,
        bypassUserLimit: false,
      },
    };
    const { token } = await signer.sign(grant);
    const verifier = createVoiceTokenVerifier({ publicJwks: [publicJwk], issuer: 'gochat', nodeId: 'n1' });
    await expect(verifier.verify(token, { channelId: 'c1' })).resolves.toMatchObject({ userId: 'u1' });
  });
});
