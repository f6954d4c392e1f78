/**
 * Database access: embedded PGlite (file-backed under DATA_DIR) by default, any Postgres through
 * DATABASE_URL (node-postgres). Opened lazily, once per process; migrations run on first use.
 */
import path from 'node:path';
import { drizzle as drizzlePg, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema';
import { env } from '@/lib/env';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

const migrationsFolder = path.join(process.cwd(), 'db', 'migrations');

type Handle = { db: Db; close(): Promise<void>; driver: 'pg' | 'pglite' };

const globalForDb = globalThis as unknown as { __synclaneDb?: Promise<Handle> };

export async function openDatabase(databaseUrl: string | undefined, dataDir: string): Promise<Handle> {
  if (databaseUrl) {
    const { Pool } = await import('pg');
    const pool = new Pool({ connectionString: databaseUrl, max: 10 });
    const db = drizzlePg(pool, { schema }) as NodePgDatabase<Schema>;
    await migratePg(db, { migrationsFolder });
    return { db: db as unknown as Db, close: () => pool.end(), driver: 'pg' };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle: drizzlePglite } = await import('drizzle-orm/pglite');
  const { migrate: migratePglite } = await import('drizzle-orm/pglite/migrator');
  const client = new PGlite(path.join(dataDir, 'pglite'));
  await client.waitReady;
  const db = drizzlePglite(client, { schema });
  await migratePglite(db, { migrationsFolder });
  return { db: db as unknown as Db, close: () => client.close(), driver: 'pglite' };
}

/** The process-wide database (migrated). */
export async function getDb(): Promise<Db> {
  globalForDb.__synclaneDb ??= openDatabase(env().databaseUrl, env().dataDir);
  try {
    return (await globalForDb.__synclaneDb).db;
  } catch (error) {
    globalForDb.__synclaneDb = undefined;
    throw error;
  }
}

export async function closeDb(): Promise<void> {
  const handle = globalForDb.__synclaneDb;
  globalForDb.__synclaneDb = undefined;
  if (handle) await (await handle).close();
}

export { schema };
