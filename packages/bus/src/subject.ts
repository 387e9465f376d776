/**
 * Subject rules shared by both buses, so an invalid subject fails the same way in embedded mode as it
 * would against NATS (where it would otherwise be a silent no-match or a protocol error).
 */

const WHITESPACE = /\s/;

/** Bus prefixes become the first subject token and part of stream subjects: keep them boring. */
const PREFIX = /^[a-z0-9_-]+$/;

export function assertPrefix(prefix: string): void {
  if (!PREFIX.test(prefix)) {
    throw new Error(
      `Invalid bus prefix ${JSON.stringify(prefix)}: use lowercase letters, digits, '_' and '-'`,
    );
  }
}

function tokensOf(kind: string, value: string): string[] {
  if (typeof value !== 'string' || value === '')
    throw new Error(`Invalid ${kind}: must be a non-empty string`);
  if (WHITESPACE.test(value))
    throw new Error(`Invalid ${kind} ${JSON.stringify(value)}: contains whitespace`);
  const tokens = value.split('.');
  if (tokens.includes(''))
    throw new Error(`Invalid ${kind} ${JSON.stringify(value)}: contains an empty token`);
  return tokens;
}

/** A concrete subject to publish on: no wildcards. */
export function assertSubject(subject: string): void {
  for (const token of tokensOf('subject', subject)) {
    if (token.includes('*') || token.includes('>')) {
      throw new Error(`Invalid subject ${JSON.stringify(subject)}: wildcards are only allowed in patterns`);
    }
  }
}

/** A subscription pattern: '*' and '>' only as whole tokens, '>' only last. */
export function assertPattern(pattern: string): void {
  const tokens = tokensOf('pattern', pattern);
  tokens.forEach((token, i) => {
    if (token === '*' || (token === '>' && i === tokens.length - 1)) return;
    if (token.includes('*') || token.includes('>')) {
      throw new Error(
        `Invalid pattern ${JSON.stringify(pattern)}: '*' must be a whole token and '>' a whole last token`,
      );
    }
  });
}

/**
 * NATS matching: '*' matches exactly one token, a trailing '>' one or more tokens. Assumes a valid pattern
 * and subject (see assertPattern / assertSubject); otherwise the answer is simply false.
 */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    const token = p[i];
    if (token === '>') return i === p.length - 1 && s.length > i;
    if (i >= s.length) return false;
    if (token !== '*' && token !== s[i]) return false;
  }
  return p.length === s.length;
}
