import { defineConfig } from 'vitest/config';

/**
 * Soak and fault tests (`npm run test:soak`): long, heavy, one file at a time. The files also
 * match the default config's pattern, so they skip themselves unless PATRON_SOAK is set (here).
 */
export default defineConfig({
  test: {
    include: ['test/soak/**/*.test.ts'],
    globalSetup: ['test/setup/global-servers.ts'],
    testTimeout: 900_000,
    hookTimeout: 300_000,
    teardownTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
    env: { DOTENV_CONFIG_QUIET: 'true', LOG_LEVEL: 'silent', PATRON_SOAK: '1' },
  },
});
