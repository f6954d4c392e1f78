/**
 * Microsoft Graph change-notification payloads (changeNotificationCollection), validated at the boundary.
 * Change notifications carry `changeType`, lifecycle notifications `lifecycleEvent` — never both.
 * Only the fields we use are read; the rest passes through untouched.
 */
import { z } from 'zod';

/** Graph: `clientState` is at most 255 characters. */
const ZClientState = z.string().max(255);
const ZSubscriptionId = z.string().min(1).max(200);

export const ZGraphChangeNotification = z.object({
  subscriptionId: ZSubscriptionId,
  subscriptionExpirationDateTime: z.string().max(64).optional(),
  changeType: z.enum(['created', 'updated', 'deleted']),
  clientState: ZClientState.nullish(),
  resource: z.string().max(2000).optional(),
  /** Basic notifications name the item and its version: lets us tell our own writes (echoes) from edits. */
  resourceData: z.object({ id: z.string().max(500).optional(), '@odata.etag': z.string().max(500).optional() }).passthrough().optional(),
  tenantId: z.string().max(64).optional(),
});

export const ZGraphLifecycleNotification = z.object({
  subscriptionId: ZSubscriptionId,
  subscriptionExpirationDateTime: z.string().max(64).optional(),
  lifecycleEvent: z.enum(['reauthorizationRequired', 'subscriptionRemoved', 'missed']),
  clientState: ZClientState.nullish(),
  tenantId: z.string().max(64).optional(),
});

/** Graph batches notifications; a delivery with more than this many is not one Graph would send us. */
export const MAX_NOTIFICATIONS_PER_DELIVERY = 1000;

export const ZGraphChangeNotifications = z.object({ value: z.array(ZGraphChangeNotification).min(1).max(MAX_NOTIFICATIONS_PER_DELIVERY) });
export const ZGraphLifecycleNotifications = z.object({ value: z.array(ZGraphLifecycleNotification).min(1).max(MAX_NOTIFICATIONS_PER_DELIVERY) });

export type GraphChangeNotification = z.infer<typeof ZGraphChangeNotification>;
export type GraphLifecycleNotification = z.infer<typeof ZGraphLifecycleNotification>;

/** The subscription resource as Graph returns it (POST/PATCH /subscriptions). */
export const ZGraphSubscription = z.object({
  id: z.string().min(1),
  resource: z.string().optional(),
  changeType: z.string().optional(),
  expirationDateTime: z.string(),
  notificationUrl: z.string().optional(),
  lifecycleNotificationUrl: z.string().nullish(),
});
export type GraphSubscription = z.infer<typeof ZGraphSubscription>;
