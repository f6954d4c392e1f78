/**
 * Pipedrive webhooks for near-real-time CRM → provider sync (B1; hourly runs stay the safety net).
 * One webhook per installed user for person changes, authenticated with HTTP Basic credentials we generate
 * (Pipedrive signs nothing else), stored encrypted. Creating webhooks needs admin rights in Pipedrive; for
 * other users the sync simply stays hourly + Refresh, and the dashboard says so.
 */
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { getDb } from '@/db/client';
import { crmUsers, installations } from '@/db/schema';
import { env } from '@/lib/env';
import { SyncError } from '@/lib/errors';
import { decryptOptional, encryptSecret } from '@/lib/auth/token-vault';
import { isValidBasicAuth, parseBasicAuth } from '@/lib/auth/basic-auth';
import { isUuid, ZBoundedText } from '@/lib/api/input';
import { crmClientFor } from '@/lib/crm';
import type { createPipedriveClient } from './client';

export const WEBHOOK_PATH = '/api/pipedrive/webhooks';

export type WebhookOwner = { crmUserId: string; apiDomain: string | null };

export async function ensurePersonWebhook(owner: WebhookOwner): Promise<{ enabled: boolean; reason?: string }> {
  const db = await getDb();
  const [row] = await db.select().from(crmUsers).where(eq(crmUsers.id, owner.crmUserId));
  if (!row) return { enabled: false, reason: 'unknown user' };
  if (row.webhookId && row.webhookSecretEnc) return { enabled: true };
  const client = crmClientFor({ id: owner.crmUserId, crm: 'pipedrive', apiDomain: owner.apiDomain }) as ReturnType<typeof createPipedriveClient>;
  const secret = randomBytes(24).toString('base64url');
  try {
    const { id } = await client.createWebhook({
      subscription_url: `${env().appUrl}${WEBHOOK_PATH}`,
      event_action: '*',
      event_object: 'person',
      name: 'Synclane — person changes',
      version: '2.0',
      http_auth_user: owner.crmUserId,
      http_auth_password: secret,
    });
    await db.update(crmUsers).set({ webhookId: id, webhookSecretEnc: encryptSecret(secret), webhookError: null, updatedAt: new Date() }).where(eq(crmUsers.id, owner.crmUserId));
    return { enabled: true };
  } catch (error) {
    const reason =
      error instanceof SyncError && error.code === 'insufficient_permission'
        ? 'Instant updates need a Pipedrive admin to create webhooks; this sync runs hourly and when you press Refresh.'
        : `Instant updates are off (${(error as Error).message}); this sync runs hourly and when you press Refresh.`;
    await db.update(crmUsers).set({ webhookError: reason, updatedAt: new Date() }).where(eq(crmUsers.id, owner.crmUserId));
    return { enabled: false, reason };
  }
}

/** Pipedrive objects whose record webhooks the files pillar can use (persons come with ensurePersonWebhook). */
export const RECORD_WEBHOOK_OBJECTS = ['organization', 'deal', 'product'] as const;

/**
 * Webhooks for other record objects (files pillar: a change to a synced organization, deal or product is
 * the cue to check its files). Same Basic credentials as the person webhook; one webhook per object, ids
 * kept in `webhook_topics`. Needs an admin like the person webhook; otherwise hourly + Refresh.
 */
export async function ensureRecordWebhooks(owner: WebhookOwner, objects: readonly string[]): Promise<{ enabled: boolean; reason?: string }> {
  const person = await ensurePersonWebhook(owner);
  if (!person.enabled) return person;
  const db = await getDb();
  const [row] = await db.select().from(crmUsers).where(eq(crmUsers.id, owner.crmUserId));
  const secret = decryptOptional(row?.webhookSecretEnc);
  if (!row || !secret) return { enabled: false, reason: 'unknown user' };
  const topics = { ...(row.webhookTopics ?? {}) };
  const missing = objects.filter((o) => o !== 'person' && (RECORD_WEBHOOK_OBJECTS as readonly string[]).includes(o) && !topics[o]);
  if (!missing.length) return { enabled: true };
  const client = crmClientFor({ id: owner.crmUserId, crm: 'pipedrive', apiDomain: owner.apiDomain }) as ReturnType<typeof createPipedriveClient>;
  let failure: string | undefined;
  for (const object of missing) {
    try {
      const { id } = await client.createWebhook({
        subscription_url: `${env().appUrl}${WEBHOOK_PATH}`,
        event_action: '*',
        event_object: object,
        name: `Synclane — ${object} changes`,
        version: '2.0',
        http_auth_user: owner.crmUserId,
        http_auth_password: secret,
      });
      topics[object] = id;
    } catch (error) {
      failure = `Instant updates for ${object}s are off (${(error as Error).message}); their files sync hourly and when you press Refresh.`;
      break;
    }
  }
  await db.update(crmUsers).set({ webhookTopics: topics, ...(failure ? { webhookError: failure } : {}), updatedAt: new Date() }).where(eq(crmUsers.id, owner.crmUserId));
  return failure ? { enabled: false, reason: failure } : { enabled: true };
}

export async function removePersonWebhook(owner: WebhookOwner): Promise<void> {
  const db = await getDb();
  const [row] = await db.select().from(crmUsers).where(eq(crmUsers.id, owner.crmUserId));
  if (!row?.webhookId) return;
  const client = crmClientFor({ id: owner.crmUserId, crm: 'pipedrive', apiDomain: owner.apiDomain }) as ReturnType<typeof createPipedriveClient>;
  await client.deleteWebhook(row.webhookId).catch(() => undefined);
  for (const id of Object.values(row.webhookTopics ?? {})) await client.deleteWebhook(id).catch(() => undefined);
  await db.update(crmUsers).set({ webhookId: null, webhookSecretEnc: null, webhookTopics: null, updatedAt: new Date() }).where(eq(crmUsers.id, owner.crmUserId));
}

export const ZPipedriveWebhook = z.object({
  meta: z
    .object({
      // Bounded: the id becomes a dedupe key, the rest is compared or logged.
      id: ZBoundedText(100).pipe(z.string().min(1)),
      action: ZBoundedText(50),
      entity: ZBoundedText(50),
      company_id: z.union([ZBoundedText(50), z.number()]).transform(String),
      entity_id: z.union([ZBoundedText(50), z.number()]).transform(String).optional(),
    })
    .passthrough(),
});

/**
 * Fails closed: the Basic user names our crm_users row — of a Pipedrive installation (credentials we
 * registered with Teamleader never open this door) — and the password must equal its stored secret.
 */
export async function authenticateWebhook(authorization: string | null): Promise<typeof crmUsers.$inferSelect | null> {
  const user = parseBasicAuth(authorization)?.user;
  if (!user || !isUuid(user)) return null;
  const db = await getDb();
  const [found] = await db
    .select({ row: crmUsers, crm: installations.crm })
    .from(crmUsers)
    .innerJoin(installations, eq(installations.id, crmUsers.installationId))
    .where(eq(crmUsers.id, user));
  const secret = decryptOptional(found?.row.webhookSecretEnc);
  if (!found || found.crm !== 'pipedrive' || !secret || found.row.status === 'uninstalled') return null;
  return isValidBasicAuth(authorization, user, secret) ? found.row : null;
}
