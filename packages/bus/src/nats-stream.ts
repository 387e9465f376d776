import { JetStreamApiError, StorageType } from '@nats-io/jetstream';
import type { JetStreamManager, StreamConfig, StreamInfo } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { Logger } from '@gochat/log';

export interface StreamSpec {
  name: string;
  subjects: string[];
  duplicateWindowMs: number;
  maxAgeMs: number;
  /** Stored messages kept per subject (max_msgs_per_subject). */
  maxMsgsPerSubject: number;
  /** Every stored message is republished here with its stream sequence (Nats-Sequence header). */
  republish: { src: string; dest: string };
}

/** JetStream API error codes we react to (nats-server 2.9.10). */
const STREAM_NOT_FOUND = 10059;
const STREAM_NAME_IN_USE = 10058;

function apiCode(err: unknown): number | undefined {
  return err instanceof JetStreamApiError ? err.code : undefined;
}

function differs(config: StreamConfig, spec: StreamSpec): string[] {
  const changed: string[] = [];
  const subjects = [...config.subjects].sort().join(',');
  if (subjects !== [...spec.subjects].sort().join(',')) changed.push('subjects');
  if (config.duplicate_window !== nanos(spec.duplicateWindowMs)) changed.push('duplicate_window');
  if (config.max_age !== nanos(spec.maxAgeMs)) changed.push('max_age');
  if (config.max_msgs_per_subject !== spec.maxMsgsPerSubject) changed.push('max_msgs_per_subject');
  if (config.republish?.src !== spec.republish.src || config.republish?.dest !== spec.republish.dest)
    changed.push('republish');
  return changed;
}

/**
 * Creates the stream, or updates it when another version of the service configured it differently.
 * Storage type cannot be changed in place; a mismatch is logged, not fixed.
 */
export async function ensureStream(
  jsm: JetStreamManager,
  spec: StreamSpec,
  log: Logger,
): Promise<StreamInfo> {
  const wanted = {
    subjects: spec.subjects,
    duplicate_window: nanos(spec.duplicateWindowMs),
    max_age: nanos(spec.maxAgeMs),
    max_msgs_per_subject: spec.maxMsgsPerSubject,
    republish: spec.republish,
  };
  let info: StreamInfo;
  try {
    info = await jsm.streams.info(spec.name);
  } catch (err) {
    if (apiCode(err) !== STREAM_NOT_FOUND) throw err;
    try {
      const created = await jsm.streams.add({ name: spec.name, storage: StorageType.File, ...wanted });
      log.info({ stream: spec.name, subjects: spec.subjects }, 'created JetStream stream');
      return created;
    } catch (addErr) {
      // Another process created it between our info and add: fall through and reconcile with theirs.
      if (apiCode(addErr) !== STREAM_NAME_IN_USE) throw addErr;
      info = await jsm.streams.info(spec.name);
    }
  }
  if (info.config.storage !== StorageType.File) {
    log.warn({ stream: spec.name, storage: info.config.storage }, 'stream storage is not file; left as is');
  }
  const changed = differs(info.config, spec);
  if (changed.length === 0) return info;
  if (changed.includes('republish')) {
    // nats-server cannot change RePublish in place. The stream is a copy of what the outboxes already
    // published; recreating it changes the bus epoch, so cursors taken before get RESYNC_REQUIRED.
    log.warn({ stream: spec.name, changed }, 'recreating JetStream stream to set its republish target');
    await jsm.streams.delete(spec.name);
    return jsm.streams.add({ ...info.config, ...wanted });
  }
  log.info({ stream: spec.name, changed }, 'updating JetStream stream config');
  return jsm.streams.update(spec.name, { ...info.config, ...wanted });
}
