/** CRM webhooks for near-real-time sync (B1), per CRM. */
import { ensurePersonWebhook, removePersonWebhook } from './pipedrive/webhooks';
import { ensureContactWebhook, removeContactWebhook } from './teamleader/webhooks';

type Owner = { crm: 'pipedrive' | 'teamleader'; crmUserId: string; apiDomain: string | null };

export function ensureCrmWebhook(owner: Owner) {
  return owner.crm === 'pipedrive' ? ensurePersonWebhook(owner) : ensureContactWebhook(owner.crmUserId);
}

export function removeCrmWebhook(owner: Owner) {
  return owner.crm === 'pipedrive' ? removePersonWebhook(owner) : removeContactWebhook(owner.crmUserId);
}
