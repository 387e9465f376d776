/**
 * Composes the supergraph from each subgraph's schema.graphql and writes, under supergraph/:
 *   supergraph.graphql   what the router's gateway plans against
 *   api-schema.graphql   what clients see (and codegen reads)
 *   subscriptions.json   how the router serves each Subscription field (from @event directives)
 * With --check it writes nothing and fails when the committed files are stale.
 */
import fs from 'node:fs';
import path from 'node:path';

import { composeServices } from '@apollo/composition';
import { isEventType } from '@gochat/events';
import {
  Kind,
  buildSchema,
  getNamedType,
  parse,
  print,
  printSchema,
  validate,
  type DocumentNode,
  type FieldDefinitionNode,
  type GraphQLSchema,
} from 'graphql';

import { composedSchemas } from '../cli/registry.ts';
import {
  RESUME_ARGUMENT,
  renderTemplate,
  type SubscriptionField,
  type SubscriptionManifest,
} from '../router/subscriptions/manifest.ts';

const root = path.resolve(import.meta.dirname, '..');

export interface Composition {
  supergraph: string;
  apiSchema: string;
  subscriptions: string;
}

export function compose(): Composition {
  // Every subgraph role's schema, then those the router serves itself (the registry says which).
  const sources = composedSchemas().map(({ name, file }) => ({
    name,
    // Placeholder; the router routes to the URL its config gives (or in-process in the monolith).
    url: `http://${name}.subgraph.gochat/graphql`,
    typeDefs: parse(fs.readFileSync(path.join(root, file), 'utf8')),
  }));
  const result = composeServices(sources);
  if (result.errors)
    throw new Error(`composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  const apiSchema = printSchema(result.schema.toAPISchema().toGraphQLJSSchema());
  const api = buildSchema(apiSchema);
  const manifest: SubscriptionManifest = { fields: {}, feeds: [] };
  for (const source of sources) {
    const { events, feeds } = subscriptionFields(source.name, source.typeDefs, api);
    Object.assign(manifest.fields, events);
    manifest.feeds.push(...feeds);
  }
  manifest.feeds.sort();
  for (const field of Object.keys(api.getSubscriptionType()?.getFields() ?? {}))
    if (!manifest.fields[field] && !manifest.feeds.includes(field))
      throw new Error(`Subscription.${field} has no @event or @feed directive: the router cannot serve it`);
  return {
    supergraph: `${result.supergraphSdl.trim()}\n`,
    apiSchema: `${apiSchema.trim()}\n`,
    subscriptions: `${JSON.stringify(manifest, null, 2)}\n`,
  };
}

function subscriptionFields(
  owner: string,
  doc: DocumentNode,
  api: GraphQLSchema,
): { events: Record<string, SubscriptionField>; feeds: string[] } {
  const events: Record<string, SubscriptionField> = {};
  const feeds: string[] = [];
  for (const def of doc.definitions) {
    if (
      (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.OBJECT_TYPE_EXTENSION) ||
      def.name.value !== 'Subscription'
    )
      continue;
    for (const field of def.fields ?? []) {
      if (field.directives?.some((d) => d.name.value === 'feed')) feeds.push(field.name.value);
      else events[field.name.value] = readEvent(owner, field, api);
    }
  }
  return { events, feeds };
}

function readEvent(owner: string, field: FieldDefinitionNode, api: GraphQLSchema): SubscriptionField {
  const where = `Subscription.${field.name.value} (${owner})`;
  const directive = field.directives?.find((d) => d.name.value === 'event');
  if (!directive) throw new Error(`${where}: missing @event`);
  const arg = (name: string) => {
    const node = directive.arguments?.find((a) => a.name.value === name)?.value;
    if (node?.kind !== Kind.STRING) throw new Error(`${where}: @event(${name}:) must be a string`);
    return node.value;
  };
  const args = Object.fromEntries((field.arguments ?? []).map((a) => [a.name.value, print(a.type)]));
  const sample = Object.fromEntries(Object.keys(args).map((k) => [k, 'x']));
  for (const template of [arg('subject'), arg('scope')]) renderTemplate(template, sample); // every {x} is an argument

  const guard = arg('guard');
  // `after` resumes the feed (decision 0017); the guard never sees it.
  const guardArgs = Object.entries(args).filter(([k]) => k !== RESUME_ARGUMENT);
  const guardDoc = parse(
    `query Guard${
      guardArgs.length ? `(${guardArgs.map(([k, t]) => `$${k}: ${t}`).join(', ')})` : ''
    } { ${guard} }`,
  );
  const guardErrors = validate(api, guardDoc);
  if (guardErrors.length)
    throw new Error(`${where}: guard is invalid: ${guardErrors.map((e) => e.message).join('; ')}`);

  const lookupDoc = parse(`{ ${arg('lookup')} }`);
  const selection =
    lookupDoc.definitions[0]?.kind === Kind.OPERATION_DEFINITION
      ? lookupDoc.definitions[0].selectionSet.selections[0]
      : undefined;
  if (selection?.kind !== Kind.FIELD || selection.selectionSet)
    throw new Error(`${where}: lookup must be one field without a selection`);
  const queryField = api.getQueryType()?.getFields()[selection.name.value];
  if (!queryField) throw new Error(`${where}: lookup field Query.${selection.name.value} does not exist`);
  const subscriptionField = api.getSubscriptionType()?.getFields()[field.name.value];
  if (!subscriptionField || getNamedType(queryField.type).name !== getNamedType(subscriptionField.type).name)
    throw new Error(
      `${where}: lookup returns ${String(queryField.type)}, the field returns ${String(subscriptionField?.type)}`,
    );
  const lookupArgs: Record<string, string> = {};
  const variableTypes: Record<string, string> = {};
  for (const a of selection.arguments ?? []) {
    if (a.value.kind !== Kind.VARIABLE)
      throw new Error(`${where}: lookup arguments must be $variables from the event data`);
    const type = queryField.args.find((qa) => qa.name === a.name.value)?.type;
    if (!type) throw new Error(`${where}: Query.${selection.name.value} has no argument ${a.name.value}`);
    lookupArgs[a.name.value] = a.value.name.value;
    variableTypes[a.value.name.value] = String(type);
  }
  const eventType = arg('type');
  if (!isEventType(eventType))
    throw new Error(`${where}: @event(type:) ${eventType} is not in the event catalogue`);
  return {
    owner,
    subject: arg('subject'),
    eventType,
    arguments: args,
    guard,
    lookup: { field: selection.name.value, arguments: lookupArgs, variableTypes },
    scope: arg('scope'),
  };
}

const FILES: Record<keyof Composition, string> = {
  supergraph: 'supergraph/supergraph.graphql',
  apiSchema: 'supergraph/api-schema.graphql',
  subscriptions: 'supergraph/subscriptions.json',
};

/** Returns the committed files that differ from a fresh composition. */
export function staleFiles(composition: Composition): string[] {
  return (Object.keys(FILES) as (keyof Composition)[])
    .filter((key) => {
      const file = path.join(root, FILES[key]);
      return !fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== composition[key];
    })
    .map((key) => FILES[key]);
}

if (import.meta.filename === process.argv[1]) {
  const composition = compose();
  if (process.argv.includes('--check')) {
    const stale = staleFiles(composition);
    if (stale.length) {
      console.error(`Stale: ${stale.join(', ')}. Run \`npm run generate\` and commit the result.`);
      process.exit(1);
    }
    console.log('supergraph: up to date');
  } else {
    for (const [key, file] of Object.entries(FILES))
      fs.writeFileSync(path.join(root, file), composition[key as keyof Composition]);
    console.log(`supergraph: wrote ${Object.values(FILES).join(', ')}`);
  }
}
