import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { parseMail } from './parse-mime.ts';

/** A message as a test sink received it. */
export interface ReceivedMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface SmtpSink {
  /** smtp://127.0.0.1:<port>, without credentials */
  url: string;
  port: number;
  received: ReceivedMail[];
  close(): Promise<void>;
}

/**
 * A real SMTP server on a random loopback port that keeps every accepted message. STARTTLS is disabled so
 * the test needs no certificates; `extra` lets a test reject recipients or require a login.
 */
export async function startSmtpSink(extra: Partial<SMTPServerOptions> = {}): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 1_000,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        try {
          const mail = parseMail(Buffer.concat(chunks).toString('utf8'));
          for (const rcpt of session.envelope.rcptTo) {
            received.push({
              to: rcpt.address,
              subject: mail.subject,
              text: mail.text ?? '',
              ...(mail.html === undefined ? {} : { html: mail.html }),
            });
          }
          callback();
        } catch (error) {
          callback(error instanceof Error ? error : new Error(String(error)));
        }
      });
    },
    ...extra,
  });
  // Connection-level errors (a client hanging up) are emitted here; unheard, they would crash the test run.
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
