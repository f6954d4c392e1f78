/**
 * Boot hook: validates configuration (a wrong value stops startup with a message naming the variable),
 * applies migrations, and starts the in-process job runner when no Inngest server is configured.
 * Node-only code lives in a dynamically imported module (this file is also compiled for edge).
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { bootServer } = await import('./lib/boot');
  await bootServer();
}
