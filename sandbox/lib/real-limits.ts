/**
 * The vendors' documented default limits, for `startSandbox({ realLimits: true })` / `SANDBOX_REAL_LIMITS=1`
 * (benchmarks that model the world). Sources: docs/reference crm-platforms.md §3.9 and §4.3, providers.md §4.6
 * and §5.6.
 *
 * - Teamleader: 200 requests per sliding 60 s per integration per account (the emulator's default too).
 * - Microsoft Graph (Outlook): 10,000 requests per 10 minutes and 4 concurrent requests per app per mailbox
 *   (the emulator's default too).
 * - Google People API: per-user-per-minute quotas whose values only the Cloud console shows; community
 *   reports 60–180/min/user and the reference treats 60/min/user as the safe budget, so: 60 reads and 60 writes
 *   per minute per user. (The emulator's default of 600 is deliberately loose for tests and the demo.)
 * - Pipedrive: the burst limit per token per rolling 2 s depends on the company's plan (Lite 80 … Ultimate
 *   480 for OAuth apps); the Pipedrive emulator applies it from the company's plan itself, so nothing is
 *   overridden here.
 */
export const REAL_LIMITS = {
  teamleader: { rateLimitPerMinute: 200, rateLimitWindowSeconds: 60 },
  microsoft: { requestsPer10Min: 10_000, maxConcurrent: 4 },
  google: { readQuotaPerMinute: 60, writeQuotaPerMinute: 60 },
} as const;
