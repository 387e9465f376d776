import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { describeMailerContract, VERIFY_LINK } from './mail.contract.ts';
import { MailDeliveryError, type Mailer } from './port.ts';
import { createSendPulseMailer, htmlFromText, type SendPulseMailerOptions } from './sendpulse-mailer.ts';
import { startFakeSendPulse, type FakeSendPulse } from './testing/fake-sendpulse.ts';

const CLIENT_ID = 'client-id-0123456789';
const CLIENT_SECRET = 'client-secret-s3cr3t-value';
const log = pino({ level: 'silent' });

function mailerFor(fake: FakeSendPulse, overrides: Partial<SendPulseMailerOptions> = {}): Mailer {
  return createSendPulseMailer({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    from: 'noreply@example.test',
    fromName: 'GoChat',
    apiUrl: fake.url,
    log,
    ...overrides,
  });
}

describeMailerContract('sendpulse', async () => {
  const fake = await startFakeSendPulse({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  return {
    mailer: mailerFor(fake),
    received: () => {
      // A refused shape must fail the contract test loudly, not show up as "no mail received".
      expect(fake.rejections).toEqual([]);
      return Promise.resolve(fake.received);
    },
    teardown: () => fake.close(),
  };
});

describe('SendPulse mailer', () => {
  let fake: FakeSendPulse;
  let mailer: Mailer;

  beforeEach(async () => {
    fake = await startFakeSendPulse({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    mailer = mailerFor(fake);
  });

  afterEach(async () => {
    vi.useRealTimers();
    await mailer.close();
    await fake.close();
  });

  const message = { to: 'erin@example.test', subject: 'Verify', text: `Open ${VERIFY_LINK}` };

  it('sends the documented body: base64 html, from name and address, to as a list', async () => {
    await mailer.send({ ...message, html: '<p>Hi — ✓</p>' });

    expect(fake.rejections).toEqual([]);
    expect(fake.senders).toEqual([{ name: 'GoChat', email: 'noreply@example.test' }]);
    expect(fake.received).toEqual([{ ...message, html: '<p>Hi — ✓</p>' }]);
  });

  it('builds an escaped html part from the text when no html is given', async () => {
    await mailer.send({ to: 'erin@example.test', subject: 'Escaping', text: `a < b & "c"\n${VERIFY_LINK}` });

    const html = fake.received[0]?.html ?? '';
    expect(html).toBe(htmlFromText(`a < b & "c"\n${VERIFY_LINK}`));
    expect(html).toContain('a &lt; b &amp; &quot;c&quot;<br>');
    expect(html).toContain(VERIFY_LINK.replace(/&/g, '&amp;'));
    expect(html).not.toContain('<script');
  });

  it('uses the sender address as the display name when no fromName is set', async () => {
    const plain = mailerFor(fake, { fromName: undefined });
    await plain.send(message);
    expect(fake.senders).toEqual([{ name: 'noreply@example.test', email: 'noreply@example.test' }]);
  });

  it('reuses one token for several sends', async () => {
    await mailer.send(message);
    await mailer.send(message);
    expect(fake.stats).toEqual({ tokenRequests: 1, emailRequests: 2 });
  });

  it('shares one token request between concurrent sends', async () => {
    await Promise.all([mailer.send(message), mailer.send(message), mailer.send(message)]);
    expect(fake.stats).toEqual({ tokenRequests: 1, emailRequests: 3 });
    expect(fake.received).toHaveLength(3);
  });

  it('on a 401 refreshes the token once and retries', async () => {
    await mailer.send(message);
    fake.revokeTokens();
    await mailer.send({ ...message, subject: 'After expiry' });

    expect(fake.stats).toEqual({ tokenRequests: 2, emailRequests: 3 });
    expect(fake.received.map((m) => m.subject)).toEqual(['Verify', 'After expiry']);
  });

  it('gives up with a MailDeliveryError when the fresh token is refused too', async () => {
    fake.acceptTokens = false;
    const error = await mailer.send(message).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MailDeliveryError);
    expect((error as MailDeliveryError).provider).toBe('sendpulse');
    expect((error as Error).message).toContain('HTTP 401');
    expect(fake.stats).toEqual({ tokenRequests: 2, emailRequests: 2 });
  });

  it('requests a new token shortly before the announced expiry, without waiting for a 401', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    await mailer.send(message);

    vi.setSystemTime(start + 3_600_000 - 120_000);
    await mailer.send(message);
    expect(fake.stats).toEqual({ tokenRequests: 1, emailRequests: 2 });

    vi.setSystemTime(start + 3_600_000 - 30_000);
    await mailer.send(message);
    expect(fake.stats).toEqual({ tokenRequests: 2, emailRequests: 3 });
  });

  it('rejects wrong credentials with a MailDeliveryError that does not contain them', async () => {
    const wrong = mailerFor(fake, { clientSecret: 'wrong-secret-value' });
    const error = await wrong.send(message).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MailDeliveryError);
    const text = (error as Error).message;
    expect(text).toContain('HTTP 401');
    expect(text).toContain('Client authentication failed');
    expect(text).not.toContain('wrong-secret-value');
    expect(text).not.toContain(CLIENT_SECRET);
    expect(fake.stats).toEqual({ tokenRequests: 1, emailRequests: 0 });
  });

  it('maps a non-2xx answer to a MailDeliveryError carrying the status and the reason', async () => {
    fake.failSendsWith = 500;
    const error = await mailer.send(message).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MailDeliveryError);
    expect((error as Error).message).toBe(
      'sendpulse: could not deliver to erin@example.test: HTTP 500 (42 simulated failure)',
    );
    expect(fake.received).toEqual([]);
  });

  it('maps an unreachable API to a MailDeliveryError', async () => {
    const gone = await startFakeSendPulse({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    await gone.close();
    const error = await mailerFor(gone)
      .send(message)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MailDeliveryError);
    expect((error as Error).message).toMatch(/^sendpulse: \/oauth\/access_token request failed/);
  });

  it('sends through the injected fetch and tolerates a trailing slash on apiUrl', async () => {
    const calls: string[] = [];
    const spy: typeof fetch = (input, init) => {
      calls.push(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      return fetch(input, init);
    };
    await mailerFor(fake, { fetch: spy, apiUrl: `${fake.url}/` }).send(message);

    expect(calls).toEqual([`${fake.url}/oauth/access_token`, `${fake.url}/smtp/emails`]);
    expect(fake.received).toHaveLength(1);
  });
});
