import { createRequire } from 'node:module';

import type * as Nodemailer from 'nodemailer';
import type { Logger } from '@gochat/log';
import { MailDeliveryError, type Mailer, type MailMessage } from './port.ts';

/** nodemailer is loaded when an SMTP mailer is made: other providers never load it (decision 0037). */
const loadNodemailer = () => createRequire(import.meta.url)('nodemailer') as typeof Nodemailer;

export interface SmtpMailerOptions {
  /** smtp://[user:pass@]host[:port] or smtps://…; nodemailer also reads options from the query string. */
  url: string;
  from: string;
  log: Logger;
}

export function createSmtpMailer(options: SmtpMailerOptions): Mailer {
  const target = parseTarget(options.url);
  const transport = loadNodemailer().createTransport(options.url);
  const log = options.log.child({ component: 'mail', provider: 'smtp', smtp: target.display });

  return {
    kind: 'smtp',
    async send(message: MailMessage): Promise<void> {
      try {
        await transport.sendMail({
          from: options.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          ...(message.html === undefined ? {} : { html: message.html }),
        });
      } catch (error) {
        // Not logged here: the caller owns the error. The cause stays attached for debugging; nodemailer's
        // errors carry server replies and socket errors, not the URL's login.
        const reason = target.scrub(describeSmtpError(error));
        throw new MailDeliveryError('smtp', `could not deliver to ${message.to}: ${reason}`, {
          cause: error,
        });
      }
      log.debug({ to: message.to }, 'mail accepted by SMTP server');
    },
    close(): Promise<void> {
      transport.close();
      return Promise.resolve();
    },
  };
}

interface Target {
  /** scheme://host:port without the login, safe to log */
  display: string;
  /** Removes the URL's password from a text, in case something echoes it back. */
  scrub(text: string): string;
}

function parseTarget(url: string): Target {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The URL itself is not quoted: it may contain the password.
    throw new Error('smtp: mail URL is not a valid URL');
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') {
    throw new Error(`smtp: mail URL must start with smtp:// or smtps://, not ${parsed.protocol}//`);
  }
  const secrets = [...new Set([parsed.password, safeDecode(parsed.password)])]
    .filter((s) => s.length > 0)
    .sort((a, b) => b.length - a.length);
  return {
    display: `${parsed.protocol}//${parsed.host}`,
    scrub: (text) => secrets.reduce((acc, secret) => acc.split(secret).join('[redacted]'), text),
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** nodemailer's error code plus the server's reply, e.g. 'EENVELOPE 550 no such user'. */
function describeSmtpError(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const fields = error as Error & { code?: unknown; responseCode?: unknown; response?: unknown };
  const parts: string[] = [];
  if (typeof fields.code === 'string') parts.push(fields.code);
  // The server's reply says most; without one (socket errors) the message names the network failure.
  if (typeof fields.response === 'string') parts.push(fields.response);
  else if (typeof fields.responseCode === 'number') parts.push(`${fields.responseCode} ${error.message}`);
  else parts.push(error.message);
  return parts.join(' ').slice(0, 300);
}
