import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { silentLogger } from '@gochat/log';
import { connect, nkeys } from '@nats-io/transport-node';
import {
  Recorder,
  createTestCertificates,
  natsServerBinary,
  startPrivateNats,
  uniqueName,
  type PrivateNats,
} from '@gochat/testkit';
import { afterEach, describe, expect, it } from 'vitest';

import { makeEvent } from './bus.contract.ts';
import { createNatsBus, natsConnectOptions, type NatsAuth, type NatsTls } from './nats-bus.ts';
import type { EventBus } from './port.ts';

/**
 * NATS is a trust boundary: whoever can publish on it can forge any event. These servers require
 * authentication (and TLS), as production NATS must; GoChat connects with what its config gives it,
 * and a client without credentials is refused.
 */
const binary = natsServerBinary();

describe.runIf(binary)('NATS bus: authentication and TLS', () => {
  const servers: PrivateNats[] = [];
  const buses: EventBus[] = [];

  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.drain()));
    await Promise.all(servers.splice(0).map((server) => server.stop()));
  });

  async function server(args: string[]): Promise<PrivateNats> {
    const started = await startPrivateNats(binary!, { args });
    servers.push(started);
    return started;
  }

  const open = (url: string, auth?: NatsAuth, tls?: NatsTls) =>
    createNatsBus({
      url,
      auth,
      tls,
      prefix: uniqueName('auth'),
      stream: uniqueName('AUTH'),
      log: silentLogger,
    });

  /** Connects, then proves the connection works: an event goes through JetStream and back. */
  async function roundTrip(url: string, auth?: NatsAuth, tls?: NatsTls): Promise<void> {
    const bus = await open(url, auth, tls);
    buses.push(bus);
    const recorder = new Recorder(15_000);
    bus.subscribe('probe', recorder.handler);
    await bus.ping();
    const event = makeEvent('probe');
    await bus.publish(event);
    await recorder.untilId(event.id);
  }

  it('connects with a user and password; refuses a client without them or with a wrong password', async () => {
    const { url } = await server(['--user', 'gochat', '--pass', 'correct-horse']);
    await roundTrip(url, { user: 'gochat', password: 'correct-horse' });
    // The intruder: a plain client with no credentials cannot even connect, so cannot publish.
    await expect(connect({ servers: url, reconnect: false })).rejects.toThrow(/authorization/i);
    await expect(open(url)).rejects.toThrow(/authorization/i);
    await expect(open(url, { user: 'gochat', password: 'wrong' })).rejects.toThrow(/authorization/i);
    // tls:// requires TLS: a server without it is refused rather than used in the clear.
    const tlsUrl = url.replace('nats://', 'tls://');
    await expect(open(tlsUrl, { user: 'gochat', password: 'correct-horse' })).rejects.toThrow(/tls/i);
  });

  it('connects with a token; refuses a client without it', async () => {
    const { url } = await server(['--auth', 's3cret-token-0123456789']);
    await roundTrip(url, { token: 's3cret-token-0123456789' });
    await expect(open(url)).rejects.toThrow(/authorization/i);
    await expect(open(url, { token: 'not-the-token' })).rejects.toThrow(/authorization/i);
  });

  it('connects with an NKey seed; refuses another key', async () => {
    const user = nkeys.createUser();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-nkey-'));
    const conf = path.join(dir, 'nats.conf');
    fs.writeFileSync(conf, `authorization { users = [ { nkey: "${user.getPublicKey()}" } ] }\n`);
    try {
      const { url } = await server(['-c', conf]);
      const seed = (key: ReturnType<typeof nkeys.createUser>) => new TextDecoder().decode(key.getSeed());
      await roundTrip(url, { nkeySeed: seed(user) });
      await expect(open(url)).rejects.toThrow(/authorization/i);
      await expect(open(url, { nkeySeed: seed(nkeys.createUser()) })).rejects.toThrow(/authorization/i);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('connects over TLS with the CA and a client certificate; refuses without them', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-nats-tls-'));
    try {
      const certs = createTestCertificates(dir);
      const pem = (file: string) => fs.readFileSync(file, 'utf8');
      const started = await server([
        ...['--tlsverify', '--tlscert', certs.serverCert, '--tlskey', certs.serverKey],
        ...['--tlscacert', certs.ca, '--user', 'gochat', '--pass', 'correct-horse'],
      ]);
      const url = started.url.replace('nats://', 'tls://');
      const auth = { user: 'gochat', password: 'correct-horse' };
      const tls = { ca: pem(certs.ca), cert: pem(certs.clientCert), key: pem(certs.clientKey) };
      await roundTrip(url, auth, tls);
      // The system's CAs do not know the test CA.
      await expect(open(url, auth, { cert: tls.cert, key: tls.key })).rejects.toThrow(/certificate/);
      // Without a client certificate the server ends the handshake (the client sees no INFO in time).
      const noClientCert = {
        ...natsConnectOptions(url, auth, { ca: tls.ca }),
        reconnect: false,
        timeout: 5_000,
      };
      await expect(connect(noClientCert)).rejects.toThrow();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
