import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { describeMailerContract, VERIFY_LINK } from './mail.contract.ts';
import { MailDeliveryError } from './port.ts';
import { createSmtpMailer } from './smtp-mailer.ts';
import { startSmtpSink, type SmtpSink } from '@gochat/testkit';

const log = pino({ level: 'silent' });
const FROM = 'GoChat <noreply@example.test>';

describeMailerContract('smtp', async () => {
  const sink = await startSmtpSink();
  return {
    mailer: createSmtpMailer({ url: sink.url, from: FROM, log }),
    received: () => Promise.resolve(sink.received),
    teardown: () => sink.close(),
  };
});

describe('SMTP mailer', () => {
  const sinks: SmtpSink[] = [];
  const message = { to: 'frank@example.test', subject: 'Verify', text: `Open ${VERIFY_LINK}` };

  afterEach(async () => {
    await Promise.all(sinks.splice(0).map((s) => s.close()));
  });

  it('rejects with a MailDeliveryError when the server refuses the recipient', async () => {
    const sink = await startSmtpSink({
      onRcptTo(address, _session, callback) {
        if (address.address === 'nobody@example.test') {
          callback(Object.assign(new Error('no such user here'), { responseCode: 550 }));
        } else callback();
      },
    });
    sinks.push(sink);
    const mailer = createSmtpMailer({ url: sink.url, from: FROM, log });

    const error = await mailer.send({ ...message, to: 'nobody@example.test' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect((error as MailDeliveryError).provider).toBe('smtp');
    expect((error as Error).message).toContain('nobody@example.test');
    expect((error as Error).message).toContain('550');

    // The same transport still delivers to a recipient the server accepts.
    await mailer.send(message);
    expect(sink.received.map((m) => m.to)).toEqual(['frank@example.test']);
    await mailer.close();
  });

  describe('with a login in the URL', () => {
    async function authSink() {
      const logins: string[] = [];
      const sink = await startSmtpSink({
        authOptional: false,
        allowInsecureAuth: true,
        onAuth(auth, _session, callback) {
          if (auth.username === 'mailer' && auth.password === 'p@ss w0rd!') {
            logins.push(auth.username);
            callback(null, { user: auth.username });
          } else callback(new Error('Invalid username or password'));
        },
      });
      sinks.push(sink);
      return { sink, logins };
    }

    it('authenticates with the user and the percent-encoded password', async () => {
      const { sink, logins } = await authSink();
      const url = `smtp://mailer:${encodeURIComponent('p@ss w0rd!')}@127.0.0.1:${sink.port}`;
      const mailer = createSmtpMailer({ url, from: FROM, log });

      await mailer.send(message);
      expect(logins).toEqual(['mailer']);
      expect(sink.received).toHaveLength(1);
      await mailer.close();
    });

    it('reports a refused login without the password in the error', async () => {
      const { sink } = await authSink();
      const url = `smtp://mailer:wrong-Pa55word@127.0.0.1:${sink.port}`;
      const mailer = createSmtpMailer({ url, from: FROM, log });

      const error = await mailer.send(message).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MailDeliveryError);
      expect((error as Error).message).toContain('EAUTH');
      expect((error as Error).message).not.toContain('wrong-Pa55word');
      expect(sink.received).toEqual([]);
      await mailer.close();
    });
  });

  it('rejects with a MailDeliveryError when no server listens', async () => {
    const sink = await startSmtpSink();
    await sink.close();
    const mailer = createSmtpMailer({ url: sink.url, from: FROM, log });

    const error = await mailer.send(message).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect((error as Error).message).toMatch(/ECONNECTION|ECONNREFUSED/);
    await mailer.close();
  });

  it('refuses a URL that is not smtp:// or smtps:// without echoing it', () => {
    expect(() =>
      createSmtpMailer({ url: 'http://user:hunter22@mail.example.test', from: FROM, log }),
    ).toThrow(/must start with smtp:\/\/ or smtps:\/\//);
    expect(() =>
      createSmtpMailer({ url: 'http://user:hunter22@mail.example.test', from: FROM, log }),
    ).not.toThrow(/hunter22/);
  });

  it('sends the html alternative next to the text', async () => {
    const sink = await startSmtpSink();
    sinks.push(sink);
    const mailer = createSmtpMailer({ url: sink.url, from: FROM, log });

    await mailer.send({ ...message, html: '<p>Привет — ✓</p>' });
    expect(sink.received).toEqual([
      { ...message, text: expect.stringContaining(VERIFY_LINK), html: '<p>Привет — ✓</p>' },
    ]);
    await mailer.close();
  });
});
