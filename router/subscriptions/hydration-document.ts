import crypto from 'node:crypto';

import {
  Kind,
  parse,
  print,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

import type { SubscriptionField } from './manifest.ts';

export const EVENT_VARIABLE_PREFIX = 'gochatEvent_';

export interface HydrationPlan {
  document: DocumentNode;
  /** The client's variables the selection uses; event variables are added per event. */
  clientVariables: Record<string, unknown>;
  /** Same selection + variables + scope share hydrations. */
  shareKey: string;
}

/**
 * The query that turns an event into the client's payload: the lookup field, aliased to the
 * client's response name, with the client's own selection set and only the fragments and variables
 * it uses. Built and parsed once per subscription, executed once per event per share key.
 */
export function planHydration(input: {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  field: FieldNode;
  spec: SubscriptionField;
  variables: Record<string, unknown>;
  scope: string;
}): HydrationPlan {
  const { field, spec, operation } = input;
  const fragments = new Map(
    input.document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const usedFragments = new Map<string, FragmentDefinitionNode>();
  const usedVariables = new Set<string>();
  const walk = (node: SelectionSetNode | FragmentDefinitionNode) =>
    visit(node, {
      Variable: (v) => void usedVariables.add(v.name.value),
      FragmentSpread: (spread) => {
        const name = spread.name.value;
        const fragment = fragments.get(name);
        if (fragment && !usedFragments.has(name)) {
          usedFragments.set(name, fragment);
          walk(fragment);
        }
      },
    });
  if (field.selectionSet) walk(field.selectionSet);

  const clientDefinitions = (operation.variableDefinitions ?? []).filter((d) =>
    usedVariables.has(d.variable.name.value),
  );
  const eventDefinitions = Object.entries(spec.lookup.variableTypes).map(
    ([key, type]) => `$${EVENT_VARIABLE_PREFIX}${key}: ${type}`,
  );
  const definitions = [...eventDefinitions, ...clientDefinitions.map((d) => print(d))];
  const lookupArgs = Object.entries(spec.lookup.arguments)
    .map(([arg, key]) => `${arg}: $${EVENT_VARIABLE_PREFIX}${key}`)
    .join(', ');
  const responseName = field.alias?.value ?? field.name.value;
  const text = [
    `query SubscriptionHydration(${definitions.join(', ')}) {`,
    `  ${responseName}: ${spec.lookup.field}(${lookupArgs}) ${field.selectionSet ? print(field.selectionSet) : ''}`,
    '}',
    ...[...usedFragments.values()].map((f) => print(f)),
  ].join('\n');

  const clientVariables = Object.fromEntries(
    clientDefinitions
      .map((d) => d.variable.name.value)
      .filter((name) => name in input.variables)
      .map((name) => [name, input.variables[name]]),
  );
  const shareKey = crypto
    .createHash('sha256')
    .update(text)
    .update('\0')
    .update(JSON.stringify(clientVariables))
    .update('\0')
    .update(input.scope)
    .digest('base64url');
  return { document: parse(text), clientVariables, shareKey };
}

/** The variables of one event's hydration; undefined when the event lacks a key the lookup needs. */
export function hydrationVariables(
  plan: HydrationPlan,
  spec: SubscriptionField,
  data: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const variables: Record<string, unknown> = { ...plan.clientVariables };
  for (const key of Object.keys(spec.lookup.variableTypes)) {
    if (data[key] === undefined || data[key] === null) return undefined;
    variables[`${EVENT_VARIABLE_PREFIX}${key}`] = data[key];
  }
  return variables;
}
