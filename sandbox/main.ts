/** `npm run sandbox`: starts the sandbox alone (the app is started by `npm run dev`, which runs both). */
import path from 'node:path';
import { startSandbox } from './server';

const port = Number(process.env.SANDBOX_PORT ?? 4000);
const appUrl = process.env.APP_URL ?? `http://localhost:${process.env.PORT ?? 3000}`;
const dataDir = path.resolve(process.env.DATA_DIR ?? '.data');
const sandbox = await startSandbox({ port, appUrl, dataDir, baseUrl: process.env.SANDBOX_URL });
console.log(`Sandbox (emulated Pipedrive, Teamleader, Google, Microsoft, Dropbox, Dropbox Sign): ${sandbox.url}`);
const stop = async () => {
  await sandbox.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
