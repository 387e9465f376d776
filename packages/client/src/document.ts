import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { getOperationAST, OperationTypeNode, parse, print, type DocumentNode } from 'graphql';

/** A codegen TypedDocumentNode, or the operation's source text. */
export type GoChatDocument<TData, TVars> = TypedDocumentNode<TData, TVars> | string;

export interface PreparedOperation {
  query: string;
  isMutation: boolean;
}

const prepared = new WeakMap<DocumentNode, PreparedOperation>();

function fromNode(node: DocumentNode, query: string): PreparedOperation {
  return { query, isMutation: getOperationAST(node)?.operation === OperationTypeNode.MUTATION };
}

/** The query text graphql-ws sends, and whether the operation is a mutation (never resent blindly). */
export function prepareOperation<TData, TVars>(document: GoChatDocument<TData, TVars>): PreparedOperation {
  if (typeof document === 'string') return fromNode(parse(document), document);
  let operation = prepared.get(document);
  if (!operation) {
    operation = fromNode(document, print(document));
    prepared.set(document, operation);
  }
  return operation;
}
