import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogMailer } from './log-mailer.ts';
import { describeMailerContract, VERIFY_LINK, type ReceivedMail } from './mail.contract.ts';

/** A pino logger writing JSON lines into memory, the way the operator would read them from stdout. */
function memoryLogger() {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  const entries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { log, entries };
}

function mailsIn(entries: Record<string, unknown>[]): ReceivedMail[] {
  return entries
    .filter((e) => typeof e.to === 'string' && typeof e.subject === 'string' && typeof e.text === 'string')
    .map((e) => ({ to: e.to as string, subject: e.subject as string, text: e.text as string }));
}

describeMailerContract('log', () => {
  const { log, entries } = memoryLogger();
  const mailer = createLogMailer({ log, from: 'GoChat <noreply@example.test>' });
  return Promise.resolve({
    mailer,
    received: () => Promise.resolve(mailsIn(entries())),
    teardown: () => Promise.resolve(),
  });
});

describe('log mailer', () => {
  it('writes exactly one info line per message, with the link copyable from it', async () => {
    const { log, entries } = memoryLogger();
    const mailer = createLogMailer({ log, from: 'noreply@example.test' });

    await mailer.send({
      to: 'dave@example.test',
      subject: 'Reset',
      text: `Reset: ${VERIFY_LINK}`,
      html: '<b>x</b>',
    });

    const lines = entries();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      component: 'mail',
      provider: 'log',
      from: 'noreply@example.test',
      to: 'dave@example.test',
      subject: 'Reset',
      text: `Reset: ${VERIFY_LINK}`,
    });
    expect(mailer.kind).toBe('log');
  });

  it('logs at info, so a logger set to warn stays quiet', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    await createLogMailer({ log, from: 'noreply@example.test' }).send({
      to: 'a@b.test',
      subject: 's',
      text: 't',
    });
    // At warn the operator chose not to see mail; the mailer must not escalate the level to force it out.
    expect(lines).toEqual([]);
  });
});
