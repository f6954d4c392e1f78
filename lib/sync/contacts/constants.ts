/** One source of truth for contact-sync limits and names (also imported by tests). */
export const CRM_PAGE_SIZE = 500;
export const GOOGLE_BATCH_CREATE_MAX = 200;
export const GOOGLE_BATCH_UPDATE_MAX = 200;
export const GOOGLE_BATCH_DELETE_MAX = 500;
export const HOURLY_INTERVAL_MS = 60 * 60 * 1000;
/**
 * Hourly and webhook runs list only CRM persons changed since the watermark; a complete listing (the only
 * way to see deletes and lost ownership) runs on Start / Refresh / delete events and at most this often.
 */
export const FULL_SWEEP_INTERVAL_MS = 6 * 60 * 60 * 1000;
/** The watermark is the pass's start minus this overlap (CRM timestamps have second precision; clock skew). */
export const WATERMARK_OVERLAP_MS = 60 * 1000;
/**
 * Margin on our own clock after recording a CRM update time: a CRM listing that starts this much later
 * reflects every edit made in the same CRM second (update times have second precision).
 */
export const CRM_TIME_MARGIN_MS = 2_000;
/** A run whose stage started longer ago than this and is not running anywhere is reset by the watchdog. */
export const STUCK_RUN_MS = 15 * 60 * 1000;
/** Sync-caused deletes can be restored for this long (B3). */
export const RESTORE_WINDOW_DAYS = 30;
/**
 * B3: the mass-delete brake never pauses a run for fewer deletes than this — asking about 1 of 4
 * contacts stops the whole sync for nothing (sync deletes stay restorable for 30 days anyway).
 */
export const DELETE_BRAKE_MIN_DELETES = 5;
/** How many of the contacts a paused run would delete the dashboard names (B3). */
export const PENDING_DELETE_SAMPLE = 50;
/** The contact group the CRM → provider export writes into (C11). */
export const EXPORT_GROUP_NAME = { pipedrive: 'Pipedrive', teamleader: 'Teamleader' } as const;
/** clientData / open-extension key stamped into every contact we create (idempotent creates). */
export const CLIENT_DATA_KEY = 'synclane.ref';

/** C12 skip reasons (codes; the UI words them, lib/i18n `reasons`). */
export const SKIP_REASONS = {
  missingFirstName: 'contacts.missing_first_name',
  missingLastName: 'contacts.missing_last_name',
  missingContactPoint: 'contacts.missing_contact_point',
} as const;
/**
 * Records written to the CRM at once by one sync step. At ~100 ms per round trip plus our bookkeeping, a
 * record takes ~150–250 ms, so Pipedrive Growth's 80 writes/s needs ~20 in flight; the CRM pacer (not this
 * number) holds the rate at the vendor's limit.
 */
export const CRM_WRITE_CONCURRENCY = 24;
/** Graph allows 4 concurrent requests per mailbox (reference providers.md): provider reads in a pass stay under it. */
export const PROVIDER_READ_CONCURRENCY = 4;
/**
 * At most this many CRM pages per export step while a partial provider batch is carried over (12,500
 * persons at 500 per page): bounds a step's length and what a retried step lists again. Each step ends
 * with one partial batch, so fewer, longer steps save Google writes (a 10k first export is one step).
 */
export const EXPORT_PAGES_PER_STEP = 25;
