/** S11: the page headers — CSP with a script nonce, framing only by the CRM, HSTS over https. */
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, createNonce, securityHeaders } from './security-headers';

const directives = (csp: string) => Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));

describe('S11 security headers', () => {
  it('S11: scripts run only with this response’s nonce (no unsafe-inline, no eval in production)', () => {
    const d = directives(contentSecurityPolicy({ nonce: 'abc123', frameAncestors: [], development: false }));
    expect(d['script-src']).toContain("'nonce-abc123'");
    expect(d['script-src']).toContain("'strict-dynamic'");
    expect(d['script-src']).not.toContain("'unsafe-inline'");
    expect(d['script-src']).not.toContain("'unsafe-eval'");
    expect(d['object-src']).toEqual(["'none'"]);
    expect(d['base-uri']).toEqual(["'none'"]);
  });

  it('S11: embedded pages may be framed only by the configured CRM origins; other pages not at all', () => {
    expect(directives(contentSecurityPolicy({ nonce: 'n', frameAncestors: ['https://*.pipedrive.com'], development: false }))['frame-ancestors']).toEqual(['https://*.pipedrive.com']);
    expect(directives(contentSecurityPolicy({ nonce: 'n', frameAncestors: [], development: false }))['frame-ancestors']).toEqual(["'none'"]);
  });

  it('S11: HSTS is sent when the app is served over https, not on a plain-http sandbox', () => {
    expect(securityHeaders({ nonce: 'n', frameAncestors: [], https: true, development: false })['Strict-Transport-Security']).toMatch(/^max-age=\d{8,}; includeSubDomains$/);
    expect(securityHeaders({ nonce: 'n', frameAncestors: [], https: false, development: false })['Strict-Transport-Security']).toBeUndefined();
  });

  it('nonces are fresh and carry 128 bits', () => {
    const a = createNonce();
    expect(Buffer.from(a, 'base64')).toHaveLength(16);
    expect(createNonce()).not.toBe(a);
  });
});
