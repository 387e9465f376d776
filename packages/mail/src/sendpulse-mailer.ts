/**
 * SendPulse transactional mail over its HTTP API. Documentation relied on:
 *   - https://sendpulse.com/integrations/api ("Authorization"): POST /oauth/access_token with JSON
 *     { grant_type: 'client_credentials', client_id, client_secret } answers
 *     { access_token, token_type: 'Bearer', expires_in: 3600 }; the key lasts an hour, a new one must be
 *     requested before it expires, and every other request carries `Authorization: Bearer <access_token>`.
 *   - https://sendpulse.com/integrations/api/smtp ("SMTP Service API", "Send an email"): POST /smtp/emails with
 *     { email: { html: <HTML version, encoded in Base64>, text, subject, from: { name, email },
 *     to: [{ name?, email }] } }; success answers { result: true, id }.
 *   - https://sendpulse.com/knowledge-base/app-directory/developers/token-flow: bad client credentials
 *     answer 401 { error: 'invalid_client', error_description, message }.
 */
import type { Logger } from '@gochat/log';
import { MailDeliveryError, type Mailer, type MailMessage } from './port.ts';

export interface SendPulseMailerOptions {
  clientId: string;
  clientSecret: string;
  /** Sender address; must be verified in the SendPulse account. */
  from: string;
  fromName?: string;
  /** Defaults to https://api.sendpulse.com; tests point it at a local fake. */
  apiUrl?: string;
  log: Logger;
  fetch?: typeof fetch;
}

const DEFAULT_API_URL = 'https://api.sendpulse.com';
const REQUEST_TIMEOUT_MS = 15_000;
// Refresh this long before the announced expiry so a token never dies between our check and their check.
const EXPIRY_MARGIN_MS = 60_000;
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

interface CachedToken {
  value: string;
  refreshAt: number;
}

export function createSendPulseMailer(options: SendPulseMailerOptions): Mailer {
  const apiUrl = (options.apiUrl ?? DEFAULT_API_URL).replace(/\/+$/, '');
  const fetchFn = options.fetch ?? globalThis.fetch;
  const log = options.log.child({ component: 'mail', provider: 'sendpulse' });
  const scrub = scrubber([options.clientSecret, options.clientId]);
  let cached: CachedToken | undefined;
  // Concurrent sends share one token request instead of each asking for their own.
  let pendingToken: Promise<string> | undefined;

  async function post(path: string, body: string, bearer?: string): Promise<Response> {
    const headers = bearer ? { ...JSON_HEADERS, authorization: `Bearer ${bearer}` } : JSON_HEADERS;
    try {
      return await fetchFn(`${apiUrl}${path}`, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new MailDeliveryError(
        'sendpulse',
        `${path} request failed: ${scrub(describeFetchError(error))}`,
        {
          cause: error,
        },
      );
    }
  }

  async function requestToken(): Promise<CachedToken> {
    const body = JSON.stringify({
      grant_type: 'client_credentials',
      client_id: options.clientId,
      client_secret: options.clientSecret,
    });
    const res = await post('/oauth/access_token', body);
    if (!res.ok) {
      const reason = scrub(await reasonOf(res));
      throw new MailDeliveryError('sendpulse', `token request rejected: HTTP ${res.status}${reason}`);
    }
    const parsed = await readJson(res);
    const value = isRecord(parsed) ? parsed.access_token : undefined;
    if (typeof value !== 'string' || value === '') {
      throw new MailDeliveryError('sendpulse', 'token response has no access_token');
    }
    const expiresIn = isRecord(parsed) && typeof parsed.expires_in === 'number' ? parsed.expires_in : 3600;
    const lifetimeMs = Math.max(0, expiresIn * 1000);
    log.debug({ expiresIn }, 'obtained SendPulse access token');
    return { value, refreshAt: Date.now() + lifetimeMs - Math.min(EXPIRY_MARGIN_MS, lifetimeMs / 2) };
  }

  function token(): Promise<string> {
    if (cached && Date.now() < cached.refreshAt) return Promise.resolve(cached.value);
    pendingToken ??= requestToken()
      .then((fresh) => {
        cached = fresh;
        return fresh.value;
      })
      .finally(() => {
        pendingToken = undefined;
      });
    return pendingToken;
  }

  return {
    kind: 'sendpulse',
    async send(message: MailMessage): Promise<void> {
      const body = JSON.stringify({
        email: {
          subject: message.subject,
          text: message.text,
          html: Buffer.from(message.html ?? htmlFromText(message.text), 'utf8').toString('base64'),
          from: { name: options.fromName ?? options.from, email: options.from },
          to: [{ email: message.to }],
        },
      });
      let bearer = await token();
      let res = await post('/smtp/emails', body, bearer);
      if (res.status === 401) {
        // Revoked or expired early on their side: one fresh token, one retry; a second 401 is an error.
        await discard(res);
        if (cached?.value === bearer) cached = undefined;
        log.debug('SendPulse rejected the access token; refreshing it once');
        bearer = await token();
        res = await post('/smtp/emails', body, bearer);
      }
      if (!res.ok) {
        const reason = scrub(await reasonOf(res));
        throw new MailDeliveryError(
          'sendpulse',
          `could not deliver to ${message.to}: HTTP ${res.status}${reason}`,
        );
      }
      const parsed = await readJson(res);
      if (isRecord(parsed) && parsed.result === false) {
        const reason = scrub(reasonFrom(parsed));
        throw new MailDeliveryError('sendpulse', `could not deliver to ${message.to}: result false${reason}`);
      }
      log.debug({ to: message.to }, 'mail accepted by SendPulse');
    },
    close(): Promise<void> {
      cached = undefined;
      return Promise.resolve();
    },
  };
}

/** A minimal HTML part for text-only messages: SendPulse wants html, and the text must survive unchanged. */
export function htmlFromText(text: string): string {
  const escaped = text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c).replace(/\r?\n/g, '<br>\n');
  return `<!doctype html>\n<html><head><meta charset="utf-8"></head><body><p>${escaped}</p></body></html>\n`;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readJson(res: Response): Promise<unknown> {
  try {
    const parsed: unknown = JSON.parse(await res.text());
    return parsed;
  } catch {
    return undefined;
  }
}

async function discard(res: Response): Promise<void> {
  try {
    await res.body?.cancel();
  } catch {
    // Nothing to recover: the body was only being drained.
  }
}

/** The provider's own explanation, when it gives one, as " (…)". */
async function reasonOf(res: Response): Promise<string> {
  return reasonFrom(await readJson(res));
}

function reasonFrom(body: unknown): string {
  if (!isRecord(body)) return '';
  const text = [body.error_code, body.message ?? body.error_description ?? body.error]
    .filter((v) => typeof v === 'string' || typeof v === 'number')
    .join(' ')
    .slice(0, 200);
  return text ? ` (${text})` : '';
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  if (error.name === 'TimeoutError') return `no answer within ${REQUEST_TIMEOUT_MS / 1000}s`;
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`.slice(0, 200);
}

/** Error texts come from the network; never let them carry our credentials back into logs. */
function scrubber(secrets: string[]): (text: string) => string {
  const present = secrets.filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  return (text) => present.reduce((acc, secret) => acc.split(secret).join('[redacted]'), text);
}
