/**
 * Boot hook: validates configuration (a wrong value stops startup with a message naming the variable),
 * applies migrations, registers the job queue and, without an Inngest server, starts the in-process runner.
 * Node-only code lives in dynamically imported modules (this file is also compiled for edge).
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { bootServer } = await import('./lib/boot');
  const config = await bootServer();
  const { startJobs } = await import('./inngest/queue');
  const mode = startJobs();
  console.log(mode === 'local' ? `[synclane] jobs: in-process runner (hourly ${config.jobs.hourly ? 'on' : 'off'})` : '[synclane] jobs: Inngest');
}
