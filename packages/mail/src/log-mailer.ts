import type { Logger } from '@gochat/log';
import type { Mailer, MailMessage } from './port.ts';

export interface LogMailerOptions {
  log: Logger;
  from: string;
}

/**
 * Embedded default: nothing leaves the machine. The whole text body is logged because it carries the
 * verification and reset links, and the operator copies them from the log.
 */
export function createLogMailer(options: LogMailerOptions): Mailer {
  const log = options.log.child({ component: 'mail', provider: 'log' });
  return {
    kind: 'log',
    send(message: MailMessage): Promise<void> {
      log.info(
        { from: options.from, to: message.to, subject: message.subject, text: message.text },
        'mail not sent (log provider); its content follows',
      );
      return Promise.resolve();
    },
    close(): Promise<void> {
      return Promise.resolve();
    },
  };
}
