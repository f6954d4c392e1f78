/** `npm run db:migrate`: applies db/migrations to DATABASE_URL (or the embedded PGlite under DATA_DIR). */
import { openDatabase } from '../db/client';
import { env } from '../lib/env';

const handle = await openDatabase(env().databaseUrl, env().dataDir);
console.log(`Migrations applied (${handle.driver}).`);
await handle.close();
