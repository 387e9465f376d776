import { DomainError } from '@gochat/errors';
import { describe, expect, it } from 'vitest';

import { OperationLimits } from './operation-limits.ts';

const connection = (operations: number) => ({
  subscriptions: Object.fromEntries(Array.from({ length: operations }, (_, i) => [String(i), null])),
});

describe('OperationLimits', () => {
  const limits = () =>
    new OperationLimits({
      maxOperationsPerConnection: 3,
      maxOperationsPerUser: 5,
      maxSelectionsPerTarget: 2,
    });

  it('admits operations up to the per-connection and per-user caps', () => {
    const l = limits();
    const a = connection(3);
    const forgetA = l.connect('u1', a);
    expect(l.admit('u1', a)).toBeUndefined();
    a.subscriptions['4'] = null;
    expect(l.admit('u1', a)?.extensions.code).toBe('LIMIT_REACHED');
    const b = connection(3);
    l.connect('u1', b);
    delete a.subscriptions['4'];
    // 3 + 3 in flight over the user's connections: over 5.
    expect(l.admit('u1', b)?.extensions.code).toBe('LIMIT_REACHED');
    forgetA();
    expect(l.admit('u1', b)).toBeUndefined();
    expect(l.admit('u2', connection(1))).toBeUndefined();
  });

  it('holds a few selections per user and target, shares equal ones, and frees them on release', () => {
    const l = limits();
    const a = l.holdSelection('u1', 't', 'a');
    const a2 = l.holdSelection('u1', 't', 'a');
    const b = l.holdSelection('u1', 't', 'b');
    expect(l.holdSelection('u1', 't', 'c')).toBeInstanceOf(DomainError);
    expect(l.holdSelection('u1', 'other', 'c')).not.toBeInstanceOf(DomainError);
    expect(l.holdSelection('u2', 't', 'c')).not.toBeInstanceOf(DomainError);
    (a as () => void)();
    // a is still held by a2.
    expect(l.holdSelection('u1', 't', 'c')).toBeInstanceOf(DomainError);
    (a2 as () => void)();
    (a2 as () => void)(); // a second release changes nothing
    expect(l.holdSelection('u1', 't', 'c')).not.toBeInstanceOf(DomainError);
    expect(b).not.toBeInstanceOf(DomainError);
  });
});
