/**
 * Teamleader webhooks for near-real-time CRM → provider sync (B1). Teamleader signs nothing and offers no
 * credentials, so (as its docs suggest) the registered URL carries an unguessable secret: 
 * `/api/teamleader/webhooks/<our user id>/<secret>`, the secret stored encrypted and compared in constant
 * time. Deliveries are thin `{type, subject, account}`: they only trigger a sync, which re-reads the CRM.
 */
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { getDb } from '@/db/client';
import { crmUsers, installations } from '@/db/schema';
import { isUuid, ZBoundedText } from '@/lib/api/input';
import { env } from '@/lib/env';
import { SyncError } from '@/lib/errors';
import { decryptOptional, encryptSecret } from '@/lib/auth/token-vault';
import { crmClientFor } from '@/lib/crm';
import type { createTeamleaderClient } from './client';

export const CONTACT_WEBHOOK_TYPES = ['contact.added', 'contact.updated', 'contact.deleted'];

const webhookUrl = (crmUserId: string, secret: string) => `${env().appUrl}/api/teamleader/webhooks/${crmUserId}/${secret}`;
const client = (crmUserId: string) => crmClientFor({ id: crmUserId, crm: 'teamleader', apiDomain: null }) as ReturnType<typeof createTeamleaderClient>;

export async function ensureContactWebhook(crmUserId: string): Promise<{ enabled: boolean; reason?: string }> {
  const db = await getDb();
  const [row] = await db.select().from(crmUsers).where(eq(crmUsers.id, crmUserId));
  if (!row) return { enabled: false, reason: 'unknown user' };
  if (row.webhookId && row.webhookSecretEnc) return { enabled: true };
  const secret = randomBytes(24).toString('base64url');
  try {
    await client(crmUserId).call('webhooks.register', { url: webhookUrl(crmUserId, secret), types: CONTACT_WEBHOOK_TYPES });
    await db.update(crmUsers).set({ webhookId: 'registered', webhookSecretEnc: encryptSecret(secret), webhookError: null, updatedAt: new Date() }).where(eq(crmUsers.id, crmUserId));
    return { enabled: true };
  } catch (error) {
    const reason = `Instant updates are off (${error instanceof SyncError ? error.message : 'Teamleader refused the webhook'}); this sync runs hourly and when you press Refresh.`;
    await db.update(crmUsers).set({ webhookError: reason, updatedAt: new Date() }).where(eq(crmUsers.id, crmUserId));
    return { enabled: false, reason };
  }
}

/**
 * Event types per files module (Teamleader §4.7): a change to a synced company, project, meeting or product
 * is the cue to check its files (there are no `file.*` types). Current projects are `nextgenProject`.
 */
export const RECORD_WEBHOOK_TYPES: Record<string, readonly string[]> = {
  contact: CONTACT_WEBHOOK_TYPES,
  company: ['company.added', 'company.updated', 'company.deleted'],
  project: ['nextgenProject.created', 'nextgenProject.updated', 'nextgenProject.deleted', 'project.created', 'project.updated', 'project.deleted'],
  meeting: ['meeting.created', 'meeting.updated', 'meeting.deleted'],
  product: ['product.added', 'product.updated', 'product.deleted'],
};

/** Adds the record types of these modules to the user's webhook URL (`webhooks.register` adds types to a URL). */
export async function ensureRecordWebhookTypes(crmUserId: string, modules: readonly string[]): Promise<{ enabled: boolean; reason?: string }> {
  const contact = await ensureContactWebhook(crmUserId);
  if (!contact.enabled) return contact;
  const db = await getDb();
  const [row] = await db.select().from(crmUsers).where(eq(crmUsers.id, crmUserId));
  const secret = decryptOptional(row?.webhookSecretEnc);
  if (!row || !secret) return { enabled: false, reason: 'unknown user' };
  const topics = { ...(row.webhookTopics ?? {}) };
  const missing = [...new Set(modules.filter((m) => m !== 'contact').flatMap((m) => RECORD_WEBHOOK_TYPES[m] ?? []))].filter((t) => !topics[t]);
  if (!missing.length) return { enabled: true };
  try {
    await client(crmUserId).call('webhooks.register', { url: webhookUrl(crmUserId, secret), types: missing });
  } catch (error) {
    const reason = `Instant updates for these records are off (${error instanceof SyncError ? error.message : 'Teamleader refused the webhook'}); their files sync hourly and when you press Refresh.`;
    await db.update(crmUsers).set({ webhookError: reason, updatedAt: new Date() }).where(eq(crmUsers.id, crmUserId));
    return { enabled: false, reason };
  }
  for (const t of missing) topics[t] = 'registered';
  await db.update(crmUsers).set({ webhookTopics: topics, updatedAt: new Date() }).where(eq(crmUsers.id, crmUserId));
  return { enabled: true };
}

export async function removeContactWebhook(crmUserId: string): Promise<void> {
  const db = await getDb();
  const [row] = await db.select().from(crmUsers).where(eq(crmUsers.id, crmUserId));
  const secret = decryptOptional(row?.webhookSecretEnc);
  if (!row || !secret) return;
  const types = [...CONTACT_WEBHOOK_TYPES, ...Object.keys(row.webhookTopics ?? {})];
  await client(crmUserId).call('webhooks.unregister', { url: webhookUrl(crmUserId, secret), types }).catch(() => undefined);
  await db.update(crmUsers).set({ webhookId: null, webhookSecretEnc: null, webhookTopics: null, updatedAt: new Date() }).where(eq(crmUsers.id, crmUserId));
}

/** Every delivery names the Teamleader account it is about; one that does not is refused, not trusted. */
export const ZTeamleaderWebhook = z.object({
  type: ZBoundedText(100),
  subject: z.object({ type: ZBoundedText(100), id: ZBoundedText(100) }),
  account: z.object({ type: ZBoundedText(100), id: ZBoundedText(100).pipe(z.string().min(1)) }),
});

/** Our secrets are 32 base64url characters; anything much longer is not one of ours. */
const MAX_SECRET_LENGTH = 128;

/**
 * Fails closed: the path's user must be a user of a Teamleader installation (a Pipedrive user's
 * webhook credentials never open this door), be installed, and hold exactly this secret.
 */
export async function authenticateTeamleaderWebhook(userId: string, secret: string): Promise<typeof crmUsers.$inferSelect | null> {
  if (!isUuid(userId) || !secret || secret.length > MAX_SECRET_LENGTH) return null;
  const db = await getDb();
  const [found] = await db
    .select({ row: crmUsers, crm: installations.crm })
    .from(crmUsers)
    .innerJoin(installations, eq(installations.id, crmUsers.installationId))
    .where(eq(crmUsers.id, userId));
  const stored = decryptOptional(found?.row.webhookSecretEnc);
  if (!found || found.crm !== 'teamleader' || !stored || found.row.status === 'uninstalled') return null;
  const a = createHash('sha256').update(stored).digest();
  const b = createHash('sha256').update(secret).digest();
  return timingSafeEqual(a, b) ? found.row : null;
}
