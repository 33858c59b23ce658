// Values the global setup (test/setup/global-servers.ts) hands to every test file through inject().
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** redis://127.0.0.1:PORT of the shared throwaway server, or null when none could be had. */
    redisUrl: string | null;
    /** postgres://postgres@127.0.0.1:PORT/patron_test on the shared throwaway cluster, or null. */
    postgresUrl: string | null;
    /** Why a server is missing (empty when both are up); printed by tests that skip. */
    serversNote: string;
  }
}
