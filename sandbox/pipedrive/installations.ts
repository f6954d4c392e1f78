/**
 * Installations of the Marketplace app and their OAuth credentials: authorization codes (5 min,
 * single use), access tokens (`v1u:…`, configurable TTL), reusable refresh tokens (60 days sliding),
 * revocation and the uninstall call to the app's callback URL (reference §1.1, §1.4).
 */
import { randomBytes } from 'node:crypto';
import type { SandboxContext } from '../lib/types';
import type { PipedriveStore } from './store';
import type { AccessToken, Installation } from './types';

export const GRANTED_SCOPE = 'base,contacts:full,users:read,admin';
const UNINSTALL_TIMEOUT_MS = 10_000;

export type TokenResponse = {
  access_token: string;
  token_type: 'Bearer';
  refresh_token: string;
  scope: string;
  expires_in: number;
  api_domain: string;
};

export type UninstallResult = {
  companyId: number;
  userId: number;
  /** HTTP status the app answered the DELETE with, or null when it could not be reached. */
  callbackStatus: number | null;
  callbackError: string | null;
};

export class InstallationRegistry {
  constructor(private ctx: SandboxContext, private store: PipedriveStore) {}

  private get state() {
    return this.store.state;
  }

  apiDomain(companyId: number): string {
    return `${this.ctx.baseUrl}/pipedrive/c/${this.store.company(companyId).domain}`;
  }

  list(): Installation[] {
    return this.state.installations;
  }

  find(companyId: number, userId: number): Installation | undefined {
    return this.state.installations.find((i) => i.companyId === companyId && i.userId === userId);
  }

  /** The user pressed Allow: the app counts as installed and gets a single-use code. */
  approve(companyId: number, userId: number, clientId: string, redirectUri: string): string {
    const now = this.ctx.now();
    if (!this.find(companyId, userId)) {
      this.state.installations.push({ companyId, userId, clientId, scope: GRANTED_SCOPE, installedAt: now });
    }
    this.state.authCodes = this.state.authCodes.filter((c) => c.expiresAt > now && !c.used);
    const code = `${companyId}.${userId}.${randomBytes(18).toString('hex')}`;
    this.state.authCodes.push({ code, clientId, redirectUri, companyId, userId, expiresAt: now + this.state.settings.authCodeTtlSeconds * 1000, used: false });
    return code;
  }

  /** Exchanges a code; the error strings are Pipedrive's verbatim `error_description`s. */
  exchangeCode(clientId: string, code: string, redirectUri: string | null): TokenResponse | { error: string; description: string } {
    const record = this.state.authCodes.find((c) => c.code === code);
    if (!record || record.used || record.clientId !== clientId) return { error: 'invalid_grant', description: 'Invalid grant: authorization_code is invalid' };
    if (record.expiresAt <= this.ctx.now()) return { error: 'invalid_grant', description: 'Invalid grant: authorization_code has expired' };
    if (redirectUri !== null && redirectUri !== record.redirectUri) return { error: 'invalid_request', description: 'Invalid request: redirect_uri is invalid' };
    record.used = true;
    if (!this.find(record.companyId, record.userId)) return { error: 'invalid_grant', description: 'Invalid grant: authorization_code is invalid' };
    const refresh = this.issueRefreshToken(record.companyId, record.userId, clientId);
    return this.issueAccessToken(record.companyId, record.userId, clientId, refresh);
  }

  /** Refresh: a new access token and the SAME refresh token (its 60 days restart). */
  refresh(clientId: string, refreshToken: string): TokenResponse | { error: string; description: string } {
    const now = this.ctx.now();
    const record = this.state.refreshTokens.find((t) => t.token === refreshToken);
    if (!record || record.clientId !== clientId || record.expiresAt <= now || !this.find(record.companyId, record.userId)) {
      return { error: 'invalid_grant', description: 'Invalid grant: refresh_token is invalid' };
    }
    record.expiresAt = now + this.state.settings.refreshTokenTtlDays * 86_400_000;
    return this.issueAccessToken(record.companyId, record.userId, clientId, record.token);
  }

  /** RFC 7009: revoking the refresh token uninstalls (no callback: the app asked for it). */
  revoke(clientId: string, token: string, hint: string | null): void {
    const refresh = this.state.refreshTokens.find((t) => t.token === token && t.clientId === clientId);
    if (refresh && hint !== 'access_token') {
      this.removeInstallation(refresh.companyId, refresh.userId);
      return;
    }
    this.state.accessTokens = this.state.accessTokens.filter((t) => !(t.token === token && t.clientId === clientId));
  }

  /** The access token behind a bearer header, or null when unknown, expired or revoked. */
  authenticate(token: string): AccessToken | null {
    const record = this.state.accessTokens.find((t) => t.token === token);
    if (!record || record.expiresAt <= this.ctx.now()) return null;
    return record;
  }

  expireAccessTokens(): void {
    const now = this.ctx.now();
    for (const t of this.state.accessTokens) t.expiresAt = Math.min(t.expiresAt, now);
  }

  /** Uninstall from the Marketplace: tokens and app webhooks die, then Pipedrive tells the app. */
  async uninstall(companyId: number, userId: number): Promise<UninstallResult> {
    const installation = this.find(companyId, userId);
    const clientId = installation?.clientId ?? this.ctx.app.pipedrive.clientId;
    this.removeInstallation(companyId, userId);
    const { clientSecret, callbackUrl } = this.ctx.app.pipedrive;
    const body = JSON.stringify({ client_id: clientId, company_id: companyId, user_id: userId, timestamp: new Date(this.ctx.now()).toISOString() });
    try {
      const response = await fetch(callbackUrl, {
        method: 'DELETE',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
        },
        body,
        signal: AbortSignal.timeout(UNINSTALL_TIMEOUT_MS),
      });
      await response.arrayBuffer().catch(() => undefined);
      return { companyId, userId, callbackStatus: response.status, callbackError: null };
    } catch (error) {
      return { companyId, userId, callbackStatus: null, callbackError: (error as Error).message };
    }
  }

  private removeInstallation(companyId: number, userId: number): void {
    const mine = (t: { companyId: number; userId: number }) => t.companyId === companyId && t.userId === userId;
    this.state.installations = this.state.installations.filter((i) => !mine(i));
    this.state.accessTokens = this.state.accessTokens.filter((t) => !mine(t));
    this.state.refreshTokens = this.state.refreshTokens.filter((t) => !mine(t));
    this.state.authCodes = this.state.authCodes.filter((c) => !mine(c));
    this.state.webhooks = this.state.webhooks.filter((w) => !(w.companyId === companyId && w.ownerId === userId));
  }

  private issueRefreshToken(companyId: number, userId: number, clientId: string): string {
    const existing = this.state.refreshTokens.find((t) => t.companyId === companyId && t.userId === userId && t.clientId === clientId);
    const expiresAt = this.ctx.now() + this.state.settings.refreshTokenTtlDays * 86_400_000;
    if (existing) {
      existing.expiresAt = expiresAt;
      return existing.token;
    }
    const token = `${companyId}:${userId}:${randomBytes(20).toString('hex')}`;
    this.state.refreshTokens.push({ token, companyId, userId, clientId, expiresAt });
    return token;
  }

  private issueAccessToken(companyId: number, userId: number, clientId: string, refreshToken: string): TokenResponse {
    const now = this.ctx.now();
    // Old access tokens stay valid until they expire; expired ones are dropped to keep the state small.
    this.state.accessTokens = this.state.accessTokens.filter((t) => t.expiresAt > now);
    const ttl = this.state.settings.accessTokenTtlSeconds;
    const token = `v1u:${randomBytes(48).toString('base64url')}`;
    this.state.accessTokens.push({ token, companyId, userId, clientId, expiresAt: now + ttl * 1000 });
    return { access_token: token, token_type: 'Bearer', refresh_token: refreshToken, scope: GRANTED_SCOPE, expires_in: ttl, api_domain: this.apiDomain(companyId) };
  }
}
