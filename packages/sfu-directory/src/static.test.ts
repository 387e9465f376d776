import { expect, it } from 'vitest';

import { describeDirectoryContract } from './directory.contract.ts';
import { createStaticNodeDirectory } from './static.ts';

describeDirectoryContract('static', (nodes) =>
  Promise.resolve({
    directory: createStaticNodeDirectory({ nodes, defaultRegion: 'us' }),
    close: () => Promise.resolve(),
  }),
);

it('static: spreads rooms by how many each node carries', async () => {
  const directory = createStaticNodeDirectory({
    nodes: [
      { id: 'a', region: 'us', url: 'wss://a.example' },
      { id: 'b', region: 'us', url: 'wss://b.example' },
    ],
    defaultRegion: 'us',
  });
  const placed = await Promise.all(['r1', 'r2', 'r3', 'r4'].map((r) => directory.place(r, 'us')));
  expect(placed.map((n) => n.id).sort()).toEqual(['a', 'a', 'b', 'b']);
  expect(directory.nodes().map((n) => n.load)).toEqual([2, 2]);
});
