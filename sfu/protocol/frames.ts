import type { SignalErrorCode } from './errors.ts';
import type { NotificationName, Notifications } from './messages.ts';

/** The frames the SFU sends: a response to a request id, or a notification. */
export type ServerFrame =
  | { id: number; ok: true; data: unknown }
  | { id: number; ok: false; error: { code: SignalErrorCode; message: string } }
  | { [N in NotificationName]: { notification: N; data: Notifications[N] } }[NotificationName];

export const responseFrame = (id: number, data: unknown): string => JSON.stringify({ id, ok: true, data });

export const errorFrame = (id: number | undefined, code: SignalErrorCode, message: string): string =>
  // A frame that could not be read has no id to answer: 0 marks "about no request".
  JSON.stringify({ id: id ?? 0, ok: false, error: { code, message } });

export const notificationFrame = <N extends NotificationName>(
  notification: N,
  data: Notifications[N],
): string => JSON.stringify({ notification, data });
