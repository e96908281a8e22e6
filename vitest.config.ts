import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The run's own Redis, Mosquitto and Cassandra on free ports (see README, Tests).
    globalSetup: ['test/support/services.global.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Suites share the run's services (Cassandra, Redis, Mosquitto); files run one at a time to keep them apart.
    fileParallelism: false,
    reporters: ['default'],
    // Code under test logs its expected failures; keep test output to what matters.
    env: { DINO_LOG_LEVEL: process.env.DINO_LOG_LEVEL ?? 'error' },
    // The same level for the code a test runs in its own process (child `dino` processes read it from the env).
    setupFiles: ['test/support/log-level.setup.ts'],
  },
});
