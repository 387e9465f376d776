/**
 * Outgoing mail. Three providers share one contract suite (mail.contract.ts):
 *   - log:       writes the message (and so its links) to the log; the embedded default
 *   - smtp:      nodemailer over SMTP
 *   - sendpulse: SendPulse's HTTP API (OAuth client credentials, then POST /smtp/emails)
 */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface Mailer {
  readonly kind: 'log' | 'smtp' | 'sendpulse';
  /** Resolves when the provider accepted the message; rejects with a MailDeliveryError otherwise. */
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}

export class MailDeliveryError extends Error {
  constructor(
    readonly provider: Mailer['kind'],
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${provider}: ${message}`, options);
    this.name = 'MailDeliveryError';
  }
}
