import { DomainError } from '@gochat/errors';
import { BREAK, Kind, visit, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * A NUL, which PostgreSQL cannot store in text, or a UTF-16 surrogate without its pair, which is no
 * Unicode at all (JSON can carry one; UTF-8 cannot). With the u flag a paired surrogate reads as one
 * code point, so only unpaired ones match \p{Cs}.
 */
// eslint-disable-next-line no-control-regex -- the NUL is what this looks for
const UNSTORABLE = /[\u0000\p{Cs}]/u;

export const isStorableText = (text: string): boolean => !UNSTORABLE.test(text);

export const UNSTORABLE_TEXT_MESSAGE = 'text may not contain NUL characters or unpaired UTF-16 surrogates.';

/** The path of the first string (or object key) in a JSON value that holds unstorable text. */
export function unstorableTextPath(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return isStorableText(value) ? undefined : path;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = unstorableTextPath(item, `${path}.${index}`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) {
      if (!isStorableText(key)) return path;
      const found = unstorableTextPath(item, path ? `${path}.${key}` : key);
      if (found !== undefined) return found;
    }
  return undefined;
}

/** Argument path (`input.name`) of the first string literal in the document with unstorable text. */
function literalPath(document: DocumentNode): string | null {
  let found: string | null = null;
  visit(document, {
    StringValue(node, _key, parent, _path, ancestors) {
      if (isStorableText(node.value)) return undefined;
      // ancestors stop above the parent, which is the argument or field of an inline value.
      found = [...ancestors, parent ?? []]
        .flatMap((a) =>
          'kind' in a && (a.kind === Kind.ARGUMENT || a.kind === Kind.OBJECT_FIELD) ? [a.name.value] : [],
        )
        .join('.');
      return BREAK;
    },
  });
  return found;
}

// Yoga and the WebSocket path reuse parsed documents, so each is walked once.
const literalPaths = new WeakMap<DocumentNode, string | null>();

/**
 * VALIDATION when any string argument of the operation, inline or in the variables, holds a NUL or an
 * unpaired surrogate: checked once, in the router, before anything reaches a subgraph or a database.
 */
export function unstorableTextError(
  document: DocumentNode,
  variables: Readonly<Record<string, unknown>> | null | undefined,
): DomainError | undefined {
  let literal = literalPaths.get(document);
  if (literal === undefined) {
    literal = literalPath(document);
    literalPaths.set(document, literal);
  }
  const variable = literal === null && variables ? unstorableTextPath(variables) : undefined;
  const field = literal ?? (variable === undefined ? undefined : `$${variable}`);
  if (field === undefined) return undefined;
  return new DomainError('VALIDATION', `${field || 'argument'}: ${UNSTORABLE_TEXT_MESSAGE}`, {
    ...(field ? { details: { field } } : {}),
  });
}

/** Refuses, before execution, operations whose string arguments hold unstorable text (HTTP and in-process). */
export function unstorableTextRefused(): Plugin {
  const check = ({
    args,
    setResultAndStopExecution,
  }: {
    args: { document: DocumentNode; variableValues?: Readonly<Record<string, unknown>> | null | undefined };
    setResultAndStopExecution: (result: { errors: DomainError[] }) => void;
  }) => {
    const error = unstorableTextError(args.document, args.variableValues);
    if (error) setResultAndStopExecution({ errors: [error] });
  };
  return { onExecute: check, onSubscribe: check };
}
