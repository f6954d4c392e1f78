import { env, EnvError } from '@/lib/env';

export async function bootServer() {
  let config;
  try {
    config = env();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(`\n[synclane] ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const { getDb } = await import('@/db/client');
  await getDb();
  return config;
}
