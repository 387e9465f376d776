import type { Logger } from '@gochat/log';
import { createLogMailer, createSendPulseMailer, createSmtpMailer, type Mailer } from '@gochat/mail';

import type { AccountsConfig } from '../config.ts';

/** The mail provider the config names; config validation guarantees its settings are present. */
export function createMailer(mail: AccountsConfig['mail'], log: Logger): Mailer {
  switch (mail.provider) {
    case 'log':
      return createLogMailer({ log, from: mail.from });
    case 'smtp':
      return createSmtpMailer({ url: mail.smtp!.url, from: mail.from, log });
    case 'sendpulse':
      return createSendPulseMailer({ ...mail.sendpulse!, from: mail.from, log });
  }
}
