import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReceivedMail } from '../mail.contract.ts';

export interface FakeSendPulseOptions {
  clientId: string;
  clientSecret: string;
  /** Seconds, as announced in the token response. */
  expiresIn?: number;
}

export interface FakeSendPulse {
  url: string;
  /** Accepted mail with html already base64-decoded. */
  received: ReceivedMail[];
  senders: { name: string; email: string }[];
  stats: { tokenRequests: number; emailRequests: number };
  /** Why requests were refused with 400, so a failing test says what shape was wrong. */
  rejections: string[];
  /** Forgets every issued token, as when they expire on SendPulse's side before ours. */
  revokeTokens(): void;
  /** While false, every Bearer token is refused with 401. */
  acceptTokens: boolean;
  /** When set, /smtp/emails answers with this status (after authentication succeeds). */
  failSendsWith: number | undefined;
  close(): Promise<void>;
}

class Rejection extends Error {}

/**
 * The two SendPulse endpoints the mailer uses, implemented strictly: a body of the wrong shape is refused,
 * so the mailer cannot drift from the documented format without the tests failing.
 */
export async function startFakeSendPulse(options: FakeSendPulseOptions): Promise<FakeSendPulse> {
  const tokens = new Set<string>();
  const fake: FakeSendPulse = {
    url: '',
    received: [],
    senders: [],
    stats: { tokenRequests: 0, emailRequests: 0 },
    rejections: [],
    revokeTokens: () => tokens.clear(),
    acceptTokens: true,
    failSendsWith: undefined,
    close: () => Promise.resolve(),
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof Rejection) fake.rejections.push(message);
      reply(res, error instanceof Rejection ? 400 : 500, { result: false, error_code: 400, message });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return reply(res, 405, { message: 'method not allowed' });
    if (req.url === '/oauth/access_token') {
      fake.stats.tokenRequests++;
      const body = await readJsonBody(req);
      exactKeys(body, ['grant_type', 'client_id', 'client_secret'], 'token request');
      if (body.grant_type !== 'client_credentials')
        throw new Rejection('grant_type must be client_credentials');
      if (body.client_id !== options.clientId || body.client_secret !== options.clientSecret) {
        const message = 'Client authentication failed';
        return reply(res, 401, { error: 'invalid_client', error_description: message, message });
      }
      const token = `tok_${randomBytes(12).toString('hex')}`;
      tokens.add(token);
      return reply(res, 200, {
        access_token: token,
        token_type: 'Bearer',
        expires_in: options.expiresIn ?? 3600,
      });
    }
    if (req.url === '/smtp/emails') {
      fake.stats.emailRequests++;
      const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!bearer || !tokens.has(bearer) || !fake.acceptTokens) {
        await readJsonBody(req).catch(() => undefined);
        return reply(res, 401, { error: 'invalid_token', message: 'Unauthorized' });
      }
      const email = parseEmail(await readJsonBody(req));
      if (fake.failSendsWith !== undefined) {
        return reply(res, fake.failSendsWith, {
          result: false,
          error_code: 42,
          message: 'simulated failure',
        });
      }
      fake.senders.push(email.from);
      for (const to of email.to) {
        fake.received.push({ to, subject: email.subject, text: email.text, html: email.html });
      }
      return reply(res, 200, { result: true, id: randomBytes(6).toString('hex') });
    }
    return reply(res, 404, { message: 'not found' });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  fake.url = `http://127.0.0.1:${port}`;
  fake.close = () =>
    new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
  return fake;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
    throw new Rejection(`content-type must be application/json, got ${req.headers['content-type']}`);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new Rejection('body is not JSON');
  }
  return record(parsed, 'body');
}

interface EmailPayload {
  subject: string;
  text: string;
  html: string;
  from: { name: string; email: string };
  to: string[];
}

function parseEmail(body: Record<string, unknown>): EmailPayload {
  exactKeys(body, ['email'], 'body');
  const email = record(body.email, 'email');
  exactKeys(email, ['subject', 'text', 'html', 'from', 'to'], 'email');
  const subject = string(email.subject, 'email.subject');
  if (subject === '') throw new Rejection('email.subject is empty');
  const html = decodeBase64(string(email.html, 'email.html'));
  const from = record(email.from, 'email.from');
  exactKeys(from, ['name', 'email'], 'email.from');
  if (!Array.isArray(email.to) || email.to.length === 0)
    throw new Rejection('email.to must be a non-empty array');
  const to = email.to.map((entry: unknown, i) => {
    const recipient = record(entry, `email.to[${i}]`);
    const allowed = ['email', 'name'];
    const extra = Object.keys(recipient).filter((k) => !allowed.includes(k));
    if (extra.length > 0) throw new Rejection(`email.to[${i}] has unexpected keys ${extra.join(', ')}`);
    return address(recipient.email, `email.to[${i}].email`);
  });
  return {
    subject,
    text: string(email.text, 'email.text'),
    html,
    from: { name: string(from.name, 'email.from.name'), email: address(from.email, 'email.from.email') },
    to,
  };
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Rejection(`${what} must be an object`);
  }
  return value as Record<string, unknown>;
}

function exactKeys(value: Record<string, unknown>, keys: string[], what: string): void {
  const actual = Object.keys(value).sort();
  const expected = [...keys].sort();
  if (actual.join() !== expected.join()) {
    throw new Rejection(`${what} keys must be ${expected.join(', ')}; got ${actual.join(', ')}`);
  }
}

function string(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new Rejection(`${what} must be a string`);
  return value;
}

function address(value: unknown, what: string): string {
  const text = string(value, what);
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(text)) throw new Rejection(`${what} is not a bare address: ${text}`);
  return text;
}

/** Strict: SendPulse expects standard base64, so raw HTML or base64url must not slip through. */
function decodeBase64(value: string): string {
  if (value === '' || value.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) {
    throw new Rejection('email.html must be base64-encoded');
  }
  const bytes = Buffer.from(value, 'base64');
  if (bytes.toString('base64') !== value) throw new Rejection('email.html is not canonical base64');
  let html: string;
  try {
    html = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Rejection('email.html is not UTF-8 once decoded');
  }
  if (!/<[a-z!]/i.test(html)) throw new Rejection('email.html does not decode to HTML');
  return html;
}
