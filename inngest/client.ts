/** The Inngest client. Inngest Cloud or a self-hosted `inngest start` server when keys are configured. */
import { Inngest } from 'inngest';
import { env } from '@/lib/env';

export const inngest = new Inngest({
  id: 'synclane',
  ...(env().jobs.inngestEventKey ? { eventKey: env().jobs.inngestEventKey } : {}),
  ...(env().jobs.inngestBaseUrl ? { baseUrl: env().jobs.inngestBaseUrl } : {}),
});
