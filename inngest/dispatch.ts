/** How the app asks for work: Inngest events when an Inngest server is configured, else the local runner. */
import { env } from '@/lib/env';
import { EVENTS, type ContactSyncEventData } from '@/lib/jobs/step';
import { inngest } from './client';
import { localRunner } from './local-runner';

export async function requestContactSync(data: ContactSyncEventData): Promise<void> {
  if (env().jobs.mode === 'inngest') {
    await inngest.send({ name: EVENTS.syncRequested, data });
    return;
  }
  localRunner().enqueue(data);
}

export async function cancelContactSync(syncId: string): Promise<void> {
  if (env().jobs.mode === 'inngest') {
    await inngest.send({ name: EVENTS.syncCancelled, data: { syncId } });
    return;
  }
  localRunner().cancel(syncId);
}

export async function announceUninstall(installationId: string, syncIds: string[]): Promise<void> {
  if (env().jobs.mode === 'inngest') {
    await inngest.send({ name: EVENTS.userUninstalled, data: { installationId } });
    return;
  }
  for (const id of syncIds) localRunner().cancel(id);
}
