import fs from 'node:fs';

import {
  Kind,
  OperationTypeNode,
  buildSchema,
  parse,
  print,
  validate,
  type DefinitionNode,
  type DocumentNode,
  type FieldNode,
  type GraphQLObjectType,
  type OperationDefinitionNode,
} from 'graphql';
import { describe, expect, it } from 'vitest';

// The package's operations (./documents/*.graphql) are its public API: codegen makes one hook per
// operation. There is exactly one per root field of the API schema, named after it.
const folder = new URL('./documents/', import.meta.url);
const schema = buildSchema(
  fs.readFileSync(new URL('../../../supergraph/api-schema.graphql', import.meta.url), 'utf8'),
);

const files = fs
  .readdirSync(folder)
  .filter((f) => f.endsWith('.graphql'))
  .sort();
const parsed = new Map<string, DocumentNode>();
const parseErrors: string[] = [];
for (const file of files) {
  try {
    parsed.set(file, parse(fs.readFileSync(new URL(file, folder), 'utf8')));
  } catch (error) {
    parseErrors.push(`${file}: ${(error as Error).message}`);
  }
}
// Fragments are shared across files: validate the whole set as one document.
const definitions: DefinitionNode[] = [...parsed.values()].flatMap((d) => d.definitions);
const all: DocumentNode = { kind: Kind.DOCUMENT, definitions };
const operations = definitions.filter(
  (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
);

const roots: [OperationTypeNode, GraphQLObjectType | null | undefined][] = [
  [OperationTypeNode.QUERY, schema.getQueryType()],
  [OperationTypeNode.MUTATION, schema.getMutationType()],
  [OperationTypeNode.SUBSCRIPTION, schema.getSubscriptionType()],
];
const pascal = (field: string) => field[0]!.toUpperCase() + field.slice(1);

/** The operation's single root field (not counting __typename), or undefined when it has none or several. */
function rootField(operation: OperationDefinitionNode): FieldNode | undefined {
  const selections = operation.selectionSet.selections.filter(
    (s) => !(s.kind === Kind.FIELD && s.name.value === '__typename'),
  );
  const [only] = selections;
  return selections.length === 1 && only!.kind === Kind.FIELD ? only : undefined;
}

describe('@gochat/react documents', () => {
  it('parse, and validate together against supergraph/api-schema.graphql', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'accounts.graphql',
        'fragments.graphql',
        'guilds.graphql',
        'messages.graphql',
        'realtime.graphql',
      ]),
    );
    expect(parseErrors).toEqual([]);
    expect(validate(schema, all).map((e) => e.message)).toEqual([]);
  });

  it('has exactly one operation per root field, named after it', () => {
    const missing: string[] = [];
    const duplicated: string[] = [];
    const misnamed: string[] = [];
    for (const [type, root] of roots) {
      for (const field of Object.keys(root?.getFields() ?? {})) {
        const ops = operations.filter((o) => o.operation === type && rootField(o)?.name.value === field);
        if (ops.length === 0) missing.push(`${type} ${field}`);
        if (ops.length > 1)
          duplicated.push(`${type} ${field}: ${ops.map((o) => o.name?.value ?? '(anonymous)').join(', ')}`);
      }
    }
    for (const operation of operations) {
      const field = rootField(operation);
      const name = operation.name?.value ?? '(anonymous)';
      if (!field) misnamed.push(`${operation.operation} ${name}: must select exactly one root field`);
      else if (name !== pascal(field.name.value))
        misnamed.push(`${operation.operation} ${name}: should be named ${pascal(field.name.value)}`);
    }
    // One assertion, so that a failure lists all three.
    expect({ missing, duplicated, misnamed }).toEqual({ missing: [], duplicated: [], misnamed: [] });
  });

  it('declares every argument of the root field as a variable of the same name and type, and passes it on', () => {
    const wrong: string[] = [];
    for (const operation of operations) {
      const node = rootField(operation);
      const root = roots.find(([type]) => type === operation.operation)?.[1];
      const field = node && root?.getFields()[node.name.value];
      if (!node || !field) continue; // reported by the tests above
      const variables = new Map(
        (operation.variableDefinitions ?? []).map((v) => [v.variable.name.value, print(v.type)]),
      );
      for (const arg of field.args) {
        const passed = node.arguments?.find((a) => a.name.value === arg.name)?.value;
        const where = `${operation.name?.value}.${arg.name}`;
        if (passed?.kind !== Kind.VARIABLE || passed.name.value !== arg.name)
          wrong.push(`${where}: pass it as $${arg.name}`);
        else if (variables.get(arg.name) !== String(arg.type))
          wrong.push(`${where}: declare $${arg.name}: ${String(arg.type)}, not ${variables.get(arg.name)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('lets every subscription resume with $after: String', () => {
    const subscriptions = operations.filter((o) => o.operation === OperationTypeNode.SUBSCRIPTION);
    expect(subscriptions.length).toBe(Object.keys(schema.getSubscriptionType()?.getFields() ?? {}).length);
    for (const operation of subscriptions)
      expect(
        operation.variableDefinitions?.find((v) => v.variable.name.value === 'after')?.type,
        operation.name?.value,
      ).toMatchObject({ kind: Kind.NAMED_TYPE, name: { value: 'String' } });
  });

  it('defines the entity fragments in fragments.graphql', () => {
    const fragments = (parsed.get('fragments.graphql')?.definitions ?? []).flatMap((d) =>
      d.kind === Kind.FRAGMENT_DEFINITION ? [`${d.name.value} on ${d.typeCondition.name.value}`] : [],
    );
    expect(fragments).toEqual(
      expect.arrayContaining([
        'UserFields on User',
        'GuildFields on Guild',
        'ChannelFields on Channel',
        'RoleFields on Role',
        'MemberFields on Member',
        'MessageFields on Message',
        'ThreadFields on Thread',
        'InviteFields on Invite',
        'ReactionFields on Reaction',
        'ReadStateFields on ReadState',
      ]),
    );
    const elsewhere = [...parsed]
      .filter(([file]) => file !== 'fragments.graphql')
      .flatMap(([file, doc]) =>
        doc.definitions.flatMap((d) =>
          d.kind === Kind.FRAGMENT_DEFINITION ? [`${file}: ${d.name.value}`] : [],
        ),
      );
    expect(elsewhere, 'fragments outside fragments.graphql').toEqual([]);
  });
});
