/**
 * Dropbox Sign callbacks (B1), one handler for app and account callbacks:
 *   - app callbacks (requests sent through our API app) are verified: event_hash with the app owner's API key;
 *     a wrong hash is refused (401) before anything is stored;
 *   - account callbacks of OAuth users cannot be verified (they are keyed with the user's own API key, which
 *     we never see), so they are only a hint: the named account's archive re-reads the request through the
 *     authenticated API. Nothing from an unverified payload is trusted or stored.
 * Deliveries are deduplicated, then runs are requested through the job queue; the answer is exactly the
 * acknowledgement string (anything else makes Dropbox Sign retry).
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { providerAccounts, signatureArchives, syncConnections } from '@/db/schema';
import { env } from '@/lib/env';
import { jobQueue } from '@/lib/jobs/queue';
import { acknowledgeCallback, CallbackRejectedError, parseCallback, parseCallbackHint, readCallbackJson } from '@/lib/providers/dropbox-sign/callbacks';
import { isFirstDelivery } from '@/lib/webhooks';
import { signatureRunRequest } from './service';

/** Events that can change what the archive files. */
const ARCHIVE_EVENTS = new Set([
  'signature_request_sent',
  'signature_request_signed',
  'signature_request_all_signed',
  'signature_request_downloadable',
  'signature_request_declined',
  'signature_request_canceled',
  'signature_request_invalid',
]);

export type CallbackOutcome = { response: Response; runs: number; duplicate: boolean };

/** Archives (started, not disabled) whose Dropbox Sign account is one of these, or whose e-mail is. */
async function archivesFor(filter: { signAccountIds: string[]; emails: string[] }) {
  const conds = [];
  if (filter.signAccountIds.length) conds.push(inArray(providerAccounts.accountId, filter.signAccountIds));
  if (filter.emails.length) conds.push(inArray(sql`lower(${providerAccounts.email})`, filter.emails.map((e) => e.toLowerCase())));
  if (!conds.length) return [];
  const db = await getDb();
  return db
    .select({ id: signatureArchives.id, installationId: signatureArchives.installationId, crmUserId: signatureArchives.crmUserId })
    .from(signatureArchives)
    .innerJoin(providerAccounts, eq(providerAccounts.id, signatureArchives.signAccountId))
    .innerJoin(syncConnections, eq(syncConnections.id, signatureArchives.id))
    .where(and(eq(providerAccounts.provider, 'dropbox_sign'), sql`(${sql.join(conds, sql` or `)})`, inArray(syncConnections.status, ['active', 'error']), sql`${syncConnections.startedAt} is not null`));
}

export async function handleSignCallback(request: Request): Promise<CallbackOutcome> {
  let json: string;
  try {
    json = await readCallbackJson(request);
  } catch (error) {
    if (error instanceof CallbackRejectedError) return reject(error);
    return reject(new CallbackRejectedError(400, 'Unreadable Dropbox Sign callback body.'));
  }
  try {
    const hint = parseCallbackHint(json);
    const peek = JSON.parse(json) as { event?: { event_metadata?: { reported_for_app_id?: string | null } } };
    const isApp = Boolean(peek.event?.event_metadata?.reported_for_app_id);
    if (isApp) {
      // Verified: the app owner's key. Our own app only (another app's owner key would not match anyway).
      const event = parseCallback(json, (kind) => (kind === 'app_callback' ? env().dropboxSign.appOwnerApiKey : null));
      if (event.reportedForAppId !== env().dropboxSign.clientId) throw new CallbackRejectedError(401, 'Dropbox Sign callback for another app.');
      if (!ARCHIVE_EVENTS.has(event.eventType) || !event.signatureRequest) return { response: acknowledgeCallback(), runs: 0, duplicate: false };
      const r = event.signatureRequest;
      const key = `app:${r.id}:${event.eventType}:${event.raw.event.event_time}:${event.relatedSignatureId ?? ''}`;
      if (!(await isFirstDelivery('dropbox-sign', key))) return { response: acknowledgeCallback(), runs: 0, duplicate: true };
      const emails = [r.requesterEmail, ...r.signers.map((s) => s.email), ...r.ccEmails].filter(Boolean);
      const archives = await archivesFor({ signAccountIds: event.reportedForAccountId ? [event.reportedForAccountId] : [], emails });
      return requestRuns(archives, r.id);
    }
    // Unverifiable account callback: a hint for that account's archive, nothing more.
    if (hint.eventType === 'callback_test' || !ARCHIVE_EVENTS.has(hint.eventType) || !hint.reportedForAccountId || !hint.signatureRequestId)
      return { response: acknowledgeCallback(), runs: 0, duplicate: false };
    const archives = await archivesFor({ signAccountIds: [hint.reportedForAccountId], emails: [] });
    if (!archives.length) return { response: acknowledgeCallback(), runs: 0, duplicate: false };
    const eventTime = (JSON.parse(json) as { event: { event_time: string | number } }).event.event_time;
    const key = `account:${hint.reportedForAccountId}:${hint.signatureRequestId}:${hint.eventType}:${eventTime}`;
    if (!(await isFirstDelivery('dropbox-sign', key))) return { response: acknowledgeCallback(), runs: 0, duplicate: true };
    return requestRuns(archives, hint.signatureRequestId);
  } catch (error) {
    if (error instanceof CallbackRejectedError) return reject(error);
    throw error;
  }
}

async function requestRuns(archives: { id: string; installationId: string; crmUserId: string }[], signatureRequestId: string): Promise<CallbackOutcome> {
  const unique = [...new Map(archives.map((a) => [a.id, a])).values()];
  if (unique.length) await jobQueue().request(unique.map((a) => signatureRunRequest(a, 'webhook', signatureRequestId)));
  return { response: acknowledgeCallback(), runs: unique.length, duplicate: false };
}

function reject(error: CallbackRejectedError): CallbackOutcome {
  return {
    response: new Response(JSON.stringify({ error: { code: error.status === 401 ? 'unauthorized' : 'bad_request', message: error.message } }), { status: error.status, headers: { 'content-type': 'application/json' } }),
    runs: 0,
    duplicate: false,
  };
}
