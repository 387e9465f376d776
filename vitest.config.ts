import { defineConfig } from 'vitest/config';

// Three projects, by file suffix:
//   *.test.ts      unit and in-process tests, next to the code
//   *.int.test.ts  tests against real servers (PostgreSQL, NATS, Redis, SMTP); required in CI
//   e2e/**/*.e2e.ts  end-to-end over real HTTP and WebSocket, with gochat processes
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{packages,subgraphs,router,cli,drizzle,scripts}/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['{packages,subgraphs,router,cli,drizzle,scripts}/**/*.int.test.ts'],
          exclude: ['**/node_modules/**'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['e2e/**/*.e2e.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Each file spawns its own gochat processes on its own ports; keep CPU contention sane on 2 cores.
          maxWorkers: 2,
        },
      },
    ],
  },
});
