import { describe, expect, it } from 'vitest';

import { chooseNode, regionsOf } from './choose.ts';
import type { SfuNode } from './types.ts';

const node = (id: string, region: string, load: number): SfuNode => ({
  id,
  region,
  load,
  url: `wss://${id}.example`,
  version: '1',
});

describe('chooseNode', () => {
  const nodes = [node('eu-2', 'eu', 5), node('eu-1', 'eu', 5), node('us-1', 'us', 1), node('ap-1', 'ap', 0)];

  it('takes the least loaded node of the region, the smaller id on a tie', () => {
    expect(chooseNode(nodes, 'eu', 'us')?.id).toBe('eu-1');
    expect(chooseNode([...nodes, node('eu-3', 'eu', 2)], 'eu', 'us')?.id).toBe('eu-3');
  });

  it('uses the default region for no region or an empty one, then any node', () => {
    expect(chooseNode(nodes, null, 'us')?.id).toBe('us-1');
    expect(chooseNode(nodes, undefined, 'us')?.id).toBe('us-1');
    expect(chooseNode(nodes, 'sa', 'us')?.id).toBe('us-1');
    expect(chooseNode(nodes, 'sa', 'sa')?.id).toBe('ap-1');
    expect(chooseNode([], 'eu', 'us')).toBeUndefined();
  });

  it('lists the live regions with the default, sorted and once each', () => {
    expect(regionsOf(nodes, 'us')).toEqual(['ap', 'eu', 'us']);
    expect(regionsOf([], 'us')).toEqual(['us']);
  });
});
