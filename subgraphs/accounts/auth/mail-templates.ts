import type { MailMessage } from '@gochat/mail';

interface Recipient {
  email: string;
  name: string;
}

const minutes = (seconds: number) => Math.round(seconds / 60);

export function verificationMail(user: Recipient, link: string, ttlSeconds: number): MailMessage {
  return {
    to: user.email,
    subject: 'Verify your GoChat e-mail',
    text: [
      `Hi ${user.name},`,
      '',
      'Open this link to activate your GoChat account:',
      link,
      '',
      `The link works once and expires in ${minutes(ttlSeconds)} minutes.`,
      'If you did not sign up, ignore this e-mail: no account is activated without it.',
    ].join('\n'),
  };
}

/** The reset page's link carrying the token, as the reset e-mail and `gochat admin reset-password-link` give it. */
export const passwordResetLink = (pageUrl: string, token: string) =>
  `${pageUrl}${pageUrl.includes('?') ? '&' : '?'}token=${token}`;

export function passwordResetMail(
  user: Recipient,
  token: string,
  pageUrl: string | undefined,
  ttlSeconds: number,
): MailMessage {
  const how = pageUrl
    ? ['Open this link to choose a new password:', passwordResetLink(pageUrl, token)]
    : ['Use this token with the resetPassword mutation to choose a new password:', token];
  return {
    to: user.email,
    subject: 'Reset your GoChat password',
    text: [
      `Hi ${user.name},`,
      '',
      ...how,
      '',
      `It expires in ${minutes(ttlSeconds)} minutes. Resetting signs you out everywhere.`,
      'If you did not ask for this, ignore this e-mail: your password stays as it is.',
    ].join('\n'),
  };
}
