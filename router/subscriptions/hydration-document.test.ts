import fs from 'node:fs';

import {
  Kind,
  buildSchema,
  getOperationAST,
  parse,
  print,
  validate,
  type FieldNode,
  type OperationDefinitionNode,
} from 'graphql';
import { describe, expect, it } from 'vitest';

import { EVENT_VARIABLE_PREFIX, hydrationVariables, planHydration } from './hydration-document.ts';
import { subscriptionManifestSchema } from './manifest.ts';

const schema = buildSchema(fs.readFileSync('supergraph/api-schema.graphql', 'utf8'));
const manifest = subscriptionManifestSchema.parse(
  JSON.parse(fs.readFileSync('supergraph/subscriptions.json', 'utf8')),
);
const spec = manifest.fields.messageCreated!;

// A client document with more than the subscription needs: another operation, a fragment only that
// operation uses, a root-argument-only variable, and variables reached only through fragments.
const CLIENT = `
  subscription OnMessage($channelId: ID!, $withAuthor: Boolean!, $before: ID, $limit: Int = 5) {
    latest: messageCreated(channelId: $channelId) {
      ...MessageFields
      author @include(if: $withAuthor) { ...AuthorFields }
    }
  }
  fragment MessageFields on Message { id content channel { ...ChannelFields } }
  fragment ChannelFields on Channel { id name messages(before: $before, limit: $limit) { id } }
  fragment AuthorFields on User { id displayName }
  fragment OtherOnly on Message { createdAt channel { ...OtherNested } }
  fragment OtherNested on Channel { kind }
  query Other($otherId: ID!) { message(channelId: $otherId, id: $otherId) { ...OtherOnly } }
`;

function plan(source: string, variables: Record<string, unknown>, scope = 'channel:1') {
  const document = parse(source);
  const operation = getOperationAST(document, 'OnMessage') ?? getOperationAST(document);
  if (!operation) throw new Error('no operation');
  const field = operation.selectionSet.selections[0] as FieldNode;
  return { field, ...planHydration({ document, operation, field, spec, variables, scope }) };
}

const variables = { channelId: '1', withAuthor: true, before: '99', otherId: '5' };

describe('planHydration', () => {
  it('starts from a client document that is itself valid', () => {
    expect(validate(schema, parse(CLIENT))).toEqual([]);
  });

  it("builds the lookup query aliased to the client's response name with the client's selection", () => {
    const { document, field } = plan(CLIENT, variables);
    const operations = document.definitions.filter(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
    );
    expect(operations).toHaveLength(1);
    const operation = operations[0]!;
    expect(operation.operation).toBe('query');
    expect(operation.name?.value).toBe('SubscriptionHydration');
    expect(operation.selectionSet.selections).toHaveLength(1);
    const root = operation.selectionSet.selections[0] as FieldNode;
    expect(root.alias?.value).toBe('latest');
    expect(root.name.value).toBe('message');
    expect(root.arguments?.map((a) => print(a))).toEqual([
      `channelId: $${EVENT_VARIABLE_PREFIX}channelId`,
      `id: $${EVENT_VARIABLE_PREFIX}messageId`,
    ]);
    expect(print(root.selectionSet!)).toBe(print(field.selectionSet!));
  });

  it('aliases the lookup to the field name when the client uses no alias', () => {
    const { document } = plan(
      'subscription OnMessage($channelId: ID!) { messageCreated(channelId: $channelId) { id content } }',
      { channelId: '1' },
    );
    const operation = getOperationAST(document)!;
    const root = operation.selectionSet.selections[0] as FieldNode;
    expect(root.alias?.value).toBe('messageCreated');
    expect(root.name.value).toBe('message');
    expect(validate(schema, document)).toEqual([]);
  });

  it('keeps only the fragments the selection reaches, transitively', () => {
    const { document } = plan(CLIENT, variables);
    const fragments = document.definitions
      .filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => d.name.value)
      .sort();
    expect(fragments).toEqual(['AuthorFields', 'ChannelFields', 'MessageFields']);
  });

  it('declares the event variables and only the client variables the selection uses', () => {
    const { document, clientVariables } = plan(CLIENT, variables);
    const operation = getOperationAST(document)!;
    const declared = operation.variableDefinitions?.map((d) => print(d));
    expect(declared).toEqual([
      `$${EVENT_VARIABLE_PREFIX}channelId: ID!`,
      `$${EVENT_VARIABLE_PREFIX}messageId: ID!`,
      '$withAuthor: Boolean!',
      '$before: ID',
      '$limit: Int = 5',
    ]);
    // channelId feeds only the subscription's own argument; otherId belongs to another operation.
    expect(clientVariables).toEqual({ withAuthor: true, before: '99' });
  });

  it('produces a query valid against the API schema', () => {
    expect(validate(schema, plan(CLIENT, variables).document)).toEqual([]);
  });

  it('gives the same share key for the same selection, variables and scope', () => {
    const a = plan(CLIENT, variables);
    const b = plan(CLIENT, { ...variables });
    expect(b.shareKey).toBe(a.shareKey);
    // Variables the hydration does not use cannot split the share.
    expect(plan(CLIENT, { ...variables, channelId: '2', otherId: '6' }).shareKey).toBe(a.shareKey);
  });

  it('gives a different share key for different variables, scope or selection', () => {
    const base = plan(CLIENT, variables).shareKey;
    expect(plan(CLIENT, { ...variables, withAuthor: false }).shareKey).not.toBe(base);
    expect(plan(CLIENT, { ...variables, before: '98' }).shareKey).not.toBe(base);
    expect(plan(CLIENT, variables, 'channel:2').shareKey).not.toBe(base);
    expect(plan(CLIENT.replace('latest:', 'newest:'), variables).shareKey).not.toBe(base);
    expect(plan(CLIENT.replace('id displayName', 'id'), variables).shareKey).not.toBe(base);
  });
});

describe('hydrationVariables', () => {
  const hydration = plan(CLIENT, variables);

  it("maps the event's keys onto the event variables, next to the client's", () => {
    expect(hydrationVariables(hydration, spec, { messageId: '42', channelId: '1' })).toEqual({
      [`${EVENT_VARIABLE_PREFIX}channelId`]: '1',
      [`${EVENT_VARIABLE_PREFIX}messageId`]: '42',
      withAuthor: true,
      before: '99',
    });
  });

  it('does not modify the plan between events', () => {
    hydrationVariables(hydration, spec, { messageId: '1' });
    expect(hydration.clientVariables).toEqual({ withAuthor: true, before: '99' });
  });

  it('returns undefined when the event lacks a key the lookup needs', () => {
    expect(hydrationVariables(hydration, spec, { channelId: '1' })).toBeUndefined();
    expect(hydrationVariables(hydration, spec, { messageId: null })).toBeUndefined();
  });
});
