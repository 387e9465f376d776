import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { nkeys } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';

import { natsConnectOptions } from './nats-bus.ts';

const seedOf = (key: ReturnType<typeof nkeys.createUser>) => new TextDecoder().decode(key.getSeed());

/** What a server's CONNECT challenge gets back from the options' authenticator. */
function answer(options: ReturnType<typeof natsConnectOptions>, nonce: string) {
  const authenticator = options.authenticator;
  if (typeof authenticator !== 'function') throw new Error('expected one authenticator');
  return authenticator(nonce) as { nkey?: string; sig?: string; jwt?: string };
}

const verifies = (publicKey: string, nonce: string, sig: string) =>
  nkeys.fromPublic(publicKey).verify(new TextEncoder().encode(nonce), Buffer.from(sig, 'base64url'));

describe('natsConnectOptions', () => {
  it('passes a user and password, or a token', () => {
    expect(natsConnectOptions('nats://n:4222', { user: 'gochat', password: 'pw' })).toEqual({
      servers: 'nats://n:4222',
      user: 'gochat',
      pass: 'pw',
    });
    expect(natsConnectOptions('nats://n:4222', { token: 't0ken' })).toEqual({
      servers: 'nats://n:4222',
      token: 't0ken',
    });
    expect(natsConnectOptions('nats://n:4222')).toEqual({ servers: 'nats://n:4222' });
  });

  it('signs the server nonce with an NKey seed', () => {
    const user = nkeys.createUser();
    const reply = answer(natsConnectOptions('nats://n:4222', { nkeySeed: seedOf(user) }), 'nonce-1');
    expect(reply.nkey).toBe(user.getPublicKey());
    expect(verifies(user.getPublicKey(), 'nonce-1', reply.sig!)).toBe(true);
  });

  it('answers with the user JWT of a .creds file and a signature by its seed', () => {
    const user = nkeys.createUser();
    const jwt = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJzdWIiOiJVIn0.c2ln';
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-creds-'));
    const credsFile = path.join(dir, 'user.creds');
    fs.writeFileSync(
      credsFile,
      [
        '-----BEGIN NATS USER JWT-----',
        jwt,
        '------END NATS USER JWT------',
        '',
        '************************* IMPORTANT *************************',
        'NKEY Seed printed below can be used to sign and prove identity.',
        '',
        '-----BEGIN USER NKEY SEED-----',
        seedOf(user),
        '------END USER NKEY SEED------',
        '',
      ].join('\n'),
    );
    try {
      const reply = answer(natsConnectOptions('nats://n:4222', { credsFile }), 'nonce-2');
      expect(reply.jwt).toBe(jwt);
      expect(reply.nkey).toBe(user.getPublicKey());
      expect(verifies(user.getPublicKey(), 'nonce-2', reply.sig!)).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('requires TLS for a tls:// URL or when TLS settings are given', () => {
    expect(natsConnectOptions('tls://n:4222').tls).toEqual({});
    expect(natsConnectOptions('nats://n:4222', {}, { ca: 'PEM' }).tls).toEqual({ ca: 'PEM' });
    expect(natsConnectOptions('nats://n:4222', {}, { ca: 'PEM', cert: undefined }).tls).toEqual({
      ca: 'PEM',
    });
    expect(natsConnectOptions('nats://n:4222').tls).toBeUndefined();
  });
});
