import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Soak and fault runs are `npm run test:soak` (vitest.soak.config.ts), not part of CI.
    exclude: ['test/soak/**', 'node_modules/**'],
    globalSetup: ['test/setup/global-servers.ts'],
    // Generous: app-backed files open PGlite (seconds on a busy 2-core machine); no test relies on speed.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    pool: 'forks',
    env: { DOTENV_CONFIG_QUIET: 'true', LOG_LEVEL: 'silent' },
  },
});
