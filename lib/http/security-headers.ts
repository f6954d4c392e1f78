/**
 * Response headers for our pages (S11): a Content-Security-Policy with a per-request script nonce (Next
 * puts it on its own scripts when it finds it in the request's CSP header), frame-ancestors limited to the
 * CRM for embedded pages and none elsewhere, and HSTS when the app is served over https.
 */
export type SecurityHeaderOptions = {
  nonce: string;
  /** Origins allowed to frame the page; empty → no framing at all. */
  frameAncestors: string[];
  https: boolean;
  /** `next dev` evaluates code with eval (React's debugging); production never allows it. */
  development: boolean;
};

export const HSTS_MAX_AGE_SECONDS = 2 * 365 * 24 * 3600;

export function contentSecurityPolicy({ nonce, frameAncestors, development }: Omit<SecurityHeaderOptions, 'https'>): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ''}`,
    // React style attributes (theme colours) are inline; styles cannot run code.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob: https:",
    "font-src 'self' data:",
    `connect-src 'self'${development ? ' ws: wss:' : ''}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${frameAncestors.length ? frameAncestors.join(' ') : "'none'"}`,
  ].join('; ');
}

export function securityHeaders(options: SecurityHeaderOptions): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(options),
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    'X-Content-Type-Options': 'nosniff',
    ...(options.https ? { 'Strict-Transport-Security': `max-age=${HSTS_MAX_AGE_SECONDS}; includeSubDomains` } : {}),
  };
}

/** 128 random bits, base64: a fresh script nonce for one response. */
export function createNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}
