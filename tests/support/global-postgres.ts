/**
 * Vitest global setup: a throwaway real Postgres for the integration and e2e tests, started from the
 * Postgres binaries when present (as the unprivileged `postgres` user when we are root — initdb refuses
 * root). Without binaries the tests fall back to embedded PGlite. Each test file creates its own database.
 */
import { hasPostgresBinaries, startThrowawayPostgres } from './postgres-server';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string | null;
  }
}

export default async function setup(project: TestProject) {
  if (process.env.TEST_DATABASE_URL) {
    project.provide('postgresUrl', process.env.TEST_DATABASE_URL);
    return;
  }
  if (!hasPostgresBinaries() || process.env.TEST_USE_PGLITE === '1') {
    console.warn('[tests] Postgres binaries not found: integration tests use embedded PGlite.');
    project.provide('postgresUrl', null);
    return;
  }
  const server = await startThrowawayPostgres();
  project.provide('postgresUrl', server.adminUrl);
  return () => server.stop();
}
