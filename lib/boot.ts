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
  if (config.jobs.mode === 'local') {
    const { localRunner } = await import('@/inngest/local-runner');
    localRunner();
    console.log(`[synclane] jobs: in-process runner (hourly ${config.jobs.hourly ? 'on' : 'off'})`);
  } else {
    console.log('[synclane] jobs: Inngest');
  }
}
