import { createRequire } from 'node:module';

import { defineConfig } from 'vitest/config';

// Node loads graphql's CommonJS build for every importer (graphql has no exports map), but Vite would
// hand our sources its ESM build: two graphql instances, and instanceof checks between our code and
// Yoga, the gateway or @apollo/subgraph fail (DomainErrors get masked, schemas come from "another
// realm"). Tests resolve graphql exactly as Node does at runtime.
const resolve = {
  alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') }],
};

/**
 * e2e files that start a process per role, or Chromium beside the server: two of them at once on a
 * loaded 2-core CI machine starved each other into timeouts (a feed not subscribed in 30 s, a page
 * not updated in 30 s), so they run one at a time, after the lighter e2e files.
 */
// expect.poll's default (1 s) is shorter than a debounced save plus a live delivery to a second browser
// takes on a loaded 2-core machine; a poll waits for its condition, so a longer ceiling costs nothing
// when the condition holds.
const E2E_EXPECT = { poll: { timeout: 15_000 } };

const E2E_ALONE = [
  'e2e/*-servers.e2e.ts',
  'e2e/web-client-*.e2e.ts',
  'e2e/role-sets.e2e.ts',
  'e2e/worker-process.e2e.ts',
  'e2e/message-crash.e2e.ts',
];

// Three kinds of test, by file suffix:
//   *.test.ts      unit and in-process tests, next to the code
//   *.int.test.ts  tests against real servers (PostgreSQL, NATS, Redis, SMTP); required in CI
//   e2e/**/*.e2e.ts  end-to-end over real HTTP and WebSocket, with gochat processes
export default defineConfig({
  test: {
    projects: [
      {
        resolve,
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['{packages,subgraphs,router,workers,sfu,cli,drizzle,scripts,clients}/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
          testTimeout: 20_000,
        },
      },
      {
        resolve,
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: ['{packages,subgraphs,router,workers,sfu,cli,drizzle,scripts}/**/*.int.test.ts'],
          exclude: ['**/node_modules/**'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve,
        test: {
          name: 'e2e',
          // After the others: e2e files start whole processes and want the CPU to themselves.
          sequence: { groupOrder: 2 },
          include: ['e2e/**/*.e2e.ts'],
          exclude: [...E2E_ALONE, '**/node_modules/**'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          expect: E2E_EXPECT,
          // Each file spawns its own gochat process on its own ports; two at once on 2 cores.
          maxWorkers: 2,
        },
      },
      {
        resolve,
        test: {
          name: 'e2e-alone',
          sequence: { groupOrder: 3 },
          include: E2E_ALONE,
          testTimeout: 120_000,
          hookTimeout: 120_000,
          expect: E2E_EXPECT,
          maxWorkers: 1,
        },
      },
    ],
  },
});
