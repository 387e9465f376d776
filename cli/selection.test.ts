import { describe, expect, it } from 'vitest';

import { ROLE_NAMES } from './registry.ts';
import { SelectionError, describeRoles, planStart, selectRoles } from './selection.ts';

describe('selectRoles', () => {
  it('takes nothing as all, a group, one role, a comma-separated set or several arguments', () => {
    expect(selectRoles([])).toEqual(ROLE_NAMES);
    expect(selectRoles(['all'])).toEqual(ROLE_NAMES);
    expect(selectRoles(['subgraph:messages'])).toEqual(['subgraph:messages']);
    expect(selectRoles(['subgraph:messages,router'])).toEqual(['router', 'subgraph:messages']);
    expect(selectRoles(['subgraph:messages', 'router', 'router'])).toEqual(['router', 'subgraph:messages']);
  });

  it('refuses an unknown name, naming the roles and groups', () => {
    expect(() => selectRoles(['router,subgraph:nope'])).toThrow(SelectionError);
    expect(() => selectRoles(['subgraph:nope'])).toThrow(
      /Unknown role "subgraph:nope"\. Roles: router, .*Groups: all/,
    );
  });
});

describe('planStart', () => {
  it('runs everything behind the router, every subgraph in-process (the default)', () => {
    const plan = planStart(ROLE_NAMES);
    expect(plan).toMatchObject({ served: 'router', overHttp: [], whole: true });
    expect(plan.roles.at(-1)).toBe('router');
    expect(plan.inProcess).toEqual(['accounts', 'guilds', 'messages', 'media', 'search', 'voice']);
    expect(plan.needs.sort()).toEqual([
      'blob',
      'bus',
      'cache',
      'database',
      'outbox',
      'presence',
      'search',
      'timeline',
      'voiceNodes',
    ]);
    expect(plan.migrates.sort()).toEqual(['database', 'timeline']);
  });

  it('reaches the subgraphs outside the set over HTTP', () => {
    expect(planStart(['router'])).toMatchObject({
      served: 'router',
      inProcess: [],
      overHttp: ['accounts', 'guilds', 'messages', 'media', 'search', 'voice'],
      needs: ['bus', 'cache', 'presence', 'blob'],
      migrates: [],
      whole: false,
    });
    expect(planStart(selectRoles(['router,subgraph:messages']))).toMatchObject({
      roles: ['subgraph:messages', 'router'],
      served: 'router',
      inProcess: ['messages'],
      overHttp: ['accounts', 'guilds', 'media', 'search', 'voice'],
    });
  });

  it('serves an endpoint role (an SFU node) alone on its port, or on the router’s beside it', () => {
    expect(planStart(['sfu'])).toMatchObject({ roles: ['sfu'], served: 'sfu', needs: ['bus', 'voiceNodes'] });
    expect(planStart(['router', 'sfu'])).toMatchObject({ roles: ['sfu', 'router'], served: 'router' });
    expect(() => planStart(['sfu', 'subgraph:voice'])).toThrow(/cannot share one port/);
  });

  it('serves one subgraph alone on its port', () => {
    expect(planStart(['subgraph:guilds'])).toMatchObject({
      served: 'subgraph:guilds',
      inProcess: [],
      overHttp: [],
      needs: ['database', 'bus', 'outbox', 'timeline', 'blob'],
      migrates: ['database'],
    });
  });

  it('refuses two subgraphs without the router: one port cannot serve both', () => {
    expect(() => planStart(['subgraph:accounts', 'subgraph:guilds'])).toThrow(
      /subgraph:accounts, subgraph:guilds cannot share one port without the router/,
    );
  });
});

describe('describeRoles', () => {
  it('lists every role with what it does, then the groups', () => {
    const lines = describeRoles().split('\n');
    for (const name of ROLE_NAMES)
      expect(lines.some((line) => line.trim().startsWith(`${name} `))).toBe(true);
    const width = Math.max(...ROLE_NAMES.map((name) => name.length));
    expect(lines).toContain(`  all${' '.repeat(width - 3)}  ${ROLE_NAMES.join(',')}`);
  });
});
