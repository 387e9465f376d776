import type { Logger } from '@gochat/log';
import { createLogMailer, createSendPulseMailer, createSmtpMailer, type Mailer } from '@gochat/mail';

import type { AccountsConfig } from '../config.ts';
import type { MailTemplates, Notice, Recipient } from './mail-templates.ts';

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

/** Notices to account owners, for the resolvers: the templates' notice, sent through the mailer. */
export interface AccountMail {
  /** The configured product name (accounts.productName), for notices' text. */
  readonly productName: string;
  /** Sends a notice; a failed delivery is logged, never thrown: the change it tells of is already done. */
  notify(to: Recipient, notice: Notice): Promise<void>;
}

export function createAccountMail(deps: {
  mailer: Mailer;
  templates: MailTemplates;
  productName: string;
  log: Logger;
}): AccountMail {
  return {
    productName: deps.productName,
    async notify(to, notice) {
      try {
        await deps.mailer.send(deps.templates.notice(to, notice));
      } catch (error) {
        deps.log.warn({ err: error, subject: notice.subject }, 'accounts: a notice could not be mailed');
      }
    },
  };
}
