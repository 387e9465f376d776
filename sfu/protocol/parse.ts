import { SignalError } from './errors.ts';
import { PROTOCOL_LIMITS } from './limits.ts';
import { METHODS, REQUESTS, requestEnvelope, type Method, type SignalRequest } from './messages.ts';

export type ParsedFrame =
  | { ok: true; request: SignalRequest }
  /** `id` is set when the envelope was readable, so the refusal can answer that request. */
  | { ok: false; id?: number; error: SignalError };

const isMethod = (name: string): name is Method => (METHODS as string[]).includes(name);

/**
 * One client frame, checked: its size, JSON, the envelope (id, method, data), then the method's own
 * data schema. Never throws; a refusal says which field was wrong and never echoes its value.
 */
export function parseClientFrame(raw: string | Buffer): ParsedFrame {
  const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.byteLength;
  if (size > PROTOCOL_LIMITS.frameBytes)
    return refuse(undefined, `frame too large (over ${PROTOCOL_LIMITS.frameBytes} bytes)`);
  let json: unknown;
  try {
    json = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return refuse(undefined, 'frame is not JSON');
  }
  const envelope = requestEnvelope.safeParse(json);
  if (!envelope.success) return refuse(undefined, `bad envelope: ${describeIssues(envelope.error.issues)}`);
  const { id, method, data } = envelope.data;
  if (!isMethod(method)) return refuse(id, 'unknown method');
  const parsed = REQUESTS[method].safeParse(data ?? {});
  if (!parsed.success) return refuse(id, `bad ${method} data: ${describeIssues(parsed.error.issues)}`);
  return { ok: true, request: { id, method, data: parsed.data } as SignalRequest };
}

function refuse(id: number | undefined, message: string): ParsedFrame {
  const error = new SignalError('BAD_REQUEST', message);
  return id === undefined ? { ok: false, error } : { ok: false, id, error };
}

/** The paths and kinds of the first issues, never the offending values. */
function describeIssues(issues: ReadonlyArray<{ path: PropertyKey[]; code: string }>): string {
  return issues
    .slice(0, 3)
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.code}`)
    .join('; ');
}
