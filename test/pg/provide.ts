/** The `provide`/`inject` key under which global setup hands the test PostgreSQL URL to test files. */
export const TEST_PG_URL_KEY = 'outpostTestPgUrl';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the test PostgreSQL; absent when none could be started. */
    outpostTestPgUrl: string | undefined;
  }
}
