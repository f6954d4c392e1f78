/**
 * api.focus.teamleader.eu: `POST /<resource>.<action>` with a JSON body and a bearer token. Every
 * authenticated answer carries `X-Api-Version` and `X-RateLimit-*` (200 per sliding 60 s per integration
 * per account, configurable); errors are `{ "errors": [ { "title": … } ] }`.
 */
import { BadBody, bearer, json, readJson, type Router, type SandboxRequest, type SandboxResponse } from '../lib/http';
import { SlidingWindow } from '../lib/faults';
import type { SandboxContext } from '../lib/types';
import { accountEndpoints } from './api-account';
import { companyEndpoints } from './api-companies';
import { contactEndpoints } from './api-contacts';
import { fileEndpoints } from './api-files';
import type { Endpoint } from './api-support';
import { TeamleaderError } from './errors';
import { formatRateLimitReset } from './ids';
import type { OAuthServer } from './oauth-server';
import type { TeamleaderStore } from './store';


const errorResponse = (status: number, title: string, headers: Record<string, string> = {}) =>
  json(status, { errors: [{ title }] }, headers);

export class ApiServer {
  private readonly window = new SlidingWindow(200, 60_000);
  private readonly endpoints: Record<string, Endpoint>;

  constructor(
    private readonly ctx: SandboxContext,
    private readonly store: TeamleaderStore,
    private readonly oauth: OAuthServer,
  ) {
    const transferBase = () => `${this.ctx.baseUrl}/teamleader/files-host`;
    this.endpoints = { ...contactEndpoints, ...companyEndpoints, ...accountEndpoints, ...fileEndpoints(transferBase) };
  }

  register(router: Router): void {
    router.any('/api/:endpoint', (req) => this.handle(req));
    // The new projects module lives under its own prefix (`projects-v2/projects.info`).
    router.any('/api/projects-v2/:endpoint', (req) => this.handle({ ...req, params: { endpoint: `projects-v2/${req.params.endpoint}` } }));
  }

  resetRateLimits(): void {
    this.window.reset();
  }

  private handle(req: SandboxRequest): SandboxResponse {
    const { config } = this.store.state;
    const headers: Record<string, string> = {
      'x-api-version': String(req.headers['x-api-version'] ?? config.apiVersion),
    };
    const token = this.oauth.lookupAccessToken(bearer(req.headers));
    if (token.status !== 'valid') {
      const title = token.status === 'expired' ? 'Access token has expired' : 'Access token is invalid';
      return errorResponse(401, title, { ...headers, 'www-authenticate': `Bearer error="invalid_token", error_description="${title}"` });
    }
    const { installation } = token;
    this.window.limit = config.rateLimitPerMinute;
    this.window.windowMs = config.rateLimitWindowSeconds * 1000;
    const quota = this.window.hit(`${installation.client_id}:${installation.account_id}`, this.ctx.now());
    headers['x-ratelimit-limit'] = String(config.rateLimitPerMinute);
    headers['x-ratelimit-remaining'] = String(quota.remaining);
    headers['x-ratelimit-reset'] = formatRateLimitReset(quota.resetAt);
    if (!quota.allowed) return errorResponse(429, 'Too many requests, please slow down', headers);

    if (req.method !== 'POST') return errorResponse(405, 'Use POST with a JSON body', headers);
    const endpoint = this.endpoints[req.params.endpoint];
    if (!endpoint) return errorResponse(404, `Endpoint ${req.params.endpoint} does not exist`, headers);
    try {
      const body = readJson(req) ?? {};
      if (typeof body !== 'object' || Array.isArray(body) || body === null) throw new TeamleaderError(400, 'The request body must be a JSON object');
      const response = endpoint({
        body: body as Record<string, unknown>,
        accountId: installation.account_id,
        userId: installation.user_id,
        clientId: installation.client_id,
        installation,
        store: this.store,
        webBase: `${this.ctx.baseUrl}/teamleader`,
      });
      return { ...response, headers: { ...response.headers, ...headers } };
    } catch (error) {
      if (error instanceof TeamleaderError) return errorResponse(error.status, error.message, headers);
      if (error instanceof BadBody) return errorResponse(400, error.message, headers);
      throw error;
    }
  }
}
