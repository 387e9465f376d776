import { describe, expect, it } from 'vitest';

import { ROLES } from './roles.ts';

describe('role needs', () => {
  it('lets only the messages role apply the CQL migrations at start; guilds uses the message store', () => {
    const migrating = Object.entries(ROLES)
      .filter(([, spec]) => spec.needs.timeline === 'migrates')
      .map(([name]) => name);
    expect(migrating).toEqual(['subgraph:messages']);
    expect(ROLES['subgraph:guilds'].needs.timeline).toBe('uses');
    expect(ROLES.router.needs.timeline).toBeUndefined();
  });
});
