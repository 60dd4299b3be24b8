import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    environment: 'node',
    // One real PostgreSQL server for the run; each test file that needs one makes its own database.
    globalSetup: ['test/global/postgres.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: more workers only make the network and kill -9 tests fight for them.
    maxWorkers: 2,
  },
});
