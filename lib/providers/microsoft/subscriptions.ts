/**
 * Microsoft Graph change notifications on one contact folder (providers.md §5.5): create, renew and delete
 * the subscription through the official client. Graph validates both URLs synchronously on create (it POSTs
 * `?validationToken=` and waits ≤ 10 s for the echo), so the app's notification routes must be reachable.
 */
import type { ApiCallCounter } from '@/lib/crm/http';
import type { WithToken } from '@/lib/crm/pipedrive/client';
import { SyncError } from '@/lib/errors';
import { createGraphCaller } from './client';
import { ZGraphSubscription, type GraphSubscription } from './schemas';

/** Graph's maximum subscription length for Outlook personal contacts: 4230 minutes (just under 3 days). */
export const GRAPH_CONTACT_SUBSCRIPTION_MAX_MINUTES = 4230;
/** We ask for a little less than the maximum, so clock skew never makes Graph refuse the expiry. */
export const GRAPH_SUBSCRIPTION_LIFETIME_MS = (GRAPH_CONTACT_SUBSCRIPTION_MAX_MINUTES - 30) * 60_000;

export const contactFolderResource = (folderId: string) => `me/contactFolders/${folderId}/contacts`;

export type ContactSubscriptionInput = {
  folderId: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string;
  clientState: string;
  expiresAt: Date;
};

export function createGraphSubscriptions(opts: { withToken: WithToken; counter?: ApiCallCounter }) {
  const call = createGraphCaller(opts);
  const parse = (raw: unknown): GraphSubscription => {
    const parsed = ZGraphSubscription.safeParse(raw);
    if (!parsed.success) throw new SyncError('temporary', 'Microsoft: the subscription answer had no id or expiry.');
    return parsed.data;
  };

  return {
    /** POST /subscriptions: created, updated and deleted contacts of the folder, with lifecycle notifications. */
    async create(input: ContactSubscriptionInput): Promise<GraphSubscription> {
      const body = {
        changeType: 'created,updated,deleted',
        notificationUrl: input.notificationUrl,
        lifecycleNotificationUrl: input.lifecycleNotificationUrl,
        resource: contactFolderResource(input.folderId),
        expirationDateTime: input.expiresAt.toISOString(),
        clientState: input.clientState,
      };
      return parse(await call((api) => api('/subscriptions').post(body)));
    },

    /** PATCH /subscriptions/{id} with a new expiry (renewal; also answers a reauthorizationRequired). */
    async renew(subscriptionId: string, expiresAt: Date): Promise<GraphSubscription> {
      return parse(await call((api) => api(`/subscriptions/${encodeURIComponent(subscriptionId)}`).patch({ expirationDateTime: expiresAt.toISOString() })));
    },

    /** DELETE /subscriptions/{id}; already gone (404) is what we wanted. */
    async remove(subscriptionId: string): Promise<void> {
      try {
        await call((api) => api(`/subscriptions/${encodeURIComponent(subscriptionId)}`).delete() as Promise<unknown>);
      } catch (error) {
        if (error instanceof SyncError && error.code === 'not_found') return;
        throw error;
      }
    },
  };
}

export type GraphSubscriptions = ReturnType<typeof createGraphSubscriptions>;
