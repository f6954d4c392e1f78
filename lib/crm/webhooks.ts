/** CRM webhooks for near-real-time sync (B1), per CRM. */
import { ensurePersonWebhook, ensureRecordWebhooks, removePersonWebhook } from './pipedrive/webhooks';
import { ensureContactWebhook, ensureRecordWebhookTypes, removeContactWebhook } from './teamleader/webhooks';
import type { CrmRecordModule } from './port';

type Owner = { crm: 'pipedrive' | 'teamleader'; crmUserId: string; apiDomain: string | null };

export function ensureCrmWebhook(owner: Owner) {
  return owner.crm === 'pipedrive' ? ensurePersonWebhook(owner) : ensureContactWebhook(owner.crmUserId);
}

/**
 * Webhooks for changes to records of these modules (files pillar, F8: CRMs send no file events, so a record
 * change triggers a check of its files). Failures are recorded on the user (webhook_error) and the files sync
 * stays hourly + Refresh, as for contacts.
 */
export function ensureRecordWebhook(owner: Owner, modules: readonly CrmRecordModule[]) {
  return owner.crm === 'pipedrive' ? ensureRecordWebhooks(owner, modules) : ensureRecordWebhookTypes(owner.crmUserId, modules);
}

export function removeCrmWebhook(owner: Owner) {
  return owner.crm === 'pipedrive' ? removePersonWebhook(owner) : removeContactWebhook(owner.crmUserId);
}
