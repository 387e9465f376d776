/**
 * The raw floor under bench:fanout: raw-floor-server.ts in its own process; a send is one core NATS
 * publish of the event GoChat's bus would carry (same type and data fields, the same text).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import { connect } from '@nats-io/transport-node';
import { childEnv, freePort, realServer } from '@gochat/testkit';

import { inspectorUrl, SOCKET_PROCESS_FLAGS } from './inspector.ts';
import type { Counters, Target } from './target.ts';

const SERVER = fileURLToPath(new URL('./raw-floor-server.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What makes the floor's frames GoChat's size: the event data and the cursor's epoch and sequence. */
export interface FrameShape {
  data: Record<string, unknown>;
  epoch: string;
  firstSeq: number;
}

/** A MessageCreated data object shaped like GoChat's, used when no GoChat frame was captured. */
const DEFAULT_MESSAGE_DATA: Record<string, unknown> = {
  messageId: '1234567890123456789',
  channelId: '1234567890123456789',
  guildId: '1234567890123456789',
  authorId: '1234567890123456789',
  kind: 'default',
  content: '',
  replyToId: null,
  mentions: { userIds: [], roleIds: [], everyone: false },
  attachmentIds: [],
};

export const DEFAULT_SHAPE: FrameShape = { data: DEFAULT_MESSAGE_DATA, epoch: 'mfz1k2abcdxy', firstSeq: 1 };

/** The shape of a GoChat channelEvents frame, read from one received. */
export function shapeOf(frame: string): FrameShape {
  const { cursor, data } = (
    JSON.parse(frame) as {
      payload: { data: { channelEvents: { cursor: string; data: Record<string, unknown> } } };
    }
  ).payload.data.channelEvents;
  const [epoch, seq] = cursor.split('.');
  return { data, epoch: epoch!, firstSeq: Number(seq) };
}

export async function startFloor(senders: number, shape: FrameShape): Promise<Target> {
  const natsUrl = await realServer('nats');
  if (!natsUrl) throw new Error('the raw floor needs NATS on loopback');
  const subject = `bench_fanout_floor.${randomUUID()}`;
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      ...SOCKET_PROCESS_FLAGS,
      '--import',
      'tsx',
      SERVER,
      '--port',
      String(port),
      '--nats',
      natsUrl,
      '--subject',
      subject,
      '--epoch',
      shape.epoch,
      '--first-seq',
      String(shape.firstSeq),
    ],
    { cwd: REPO_ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const errors: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => errors.push(...chunk.toString().split('\n')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`raw floor did not start: ${output}`)), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((l) => l.includes('listening'));
      if (line) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { url: string }).url);
      }
    });
    void exited.then(() => reject(new Error(`raw floor exited: ${output}${errors.join('\n')}`)));
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  const nc = await connect({ servers: natsUrl });
  let messageId = 10n ** 18n;
  return {
    label: 'raw ws + NATS floor',
    wsUrl: `${url.replace(/^http/, 'ws')}/graphql`,
    socketPid: () => child.pid!,
    inspector: () => inspectorUrl(errors),
    otherPids: () => [],
    init: () => ({}),
    subscription: { query: 'subscription Fanout { floor }', operationName: 'Fanout', variables: {} },
    senders,
    send: (_sender, content) => {
      const event = {
        id: randomUUID(),
        type: 'MessageCreated',
        occurredAt: new Date().toISOString(),
        data: { ...shape.data, messageId: String(messageId++), content },
      };
      nc.publish(subject, JSON.stringify(event));
      return Promise.resolve();
    },
    counters: async (): Promise<Counters> => {
      const stats = (await (await fetch(`${url}/stats`)).json()) as {
        sockets: number;
        subscribed: number;
        frames: number;
        events: number;
      };
      return {
        payloads: stats.events,
        hydrations: 0,
        deliveries: stats.frames,
        connections: stats.sockets,
        subscriptions: stats.subscribed,
        busSubscriptions: 1,
      };
    },
    stop: async () => {
      await nc.close();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
