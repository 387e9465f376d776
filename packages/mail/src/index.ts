export { MailDeliveryError, type Mailer, type MailMessage } from './port.ts';
export { createLogMailer, type LogMailerOptions } from './log-mailer.ts';
export { createSmtpMailer, type SmtpMailerOptions } from './smtp-mailer.ts';
export { createSendPulseMailer, type SendPulseMailerOptions } from './sendpulse-mailer.ts';
