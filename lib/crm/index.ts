/** Registry: builds the CRM client for an installed user, wired to the token manager. */
import { withAccessToken } from '@/lib/auth/token-manager';
import { isUnauthorized, type ApiCallCounter } from './http';
import { createPipedriveClient } from './pipedrive/client';
import { refreshPipedriveToken } from './pipedrive/oauth';
import { dailyBudgetFor } from './pipedrive/daily-budget';
import { createTeamleaderClient } from './teamleader/client';
import { refreshTeamleaderToken } from './teamleader/oauth';
import type { CrmClient } from './port';
import type { PipedriveFieldMap } from './pipedrive/mapper';
import { PIPEDRIVE_BURST, PIPEDRIVE_SEARCH_BURST, TEAMLEADER_RATE, pacerFor } from './rate-pacer';

export type CrmUserRef = { id: string; crm: 'pipedrive' | 'teamleader'; apiDomain: string | null };

export function crmClientFor(user: CrmUserRef, opts: { fieldMap?: PipedriveFieldMap; counter?: ApiCallCounter } = {}) {
  const owner = { kind: 'crm_user' as const, id: user.id };
  if (user.crm === 'pipedrive') {
    if (!user.apiDomain) throw new Error('Pipedrive installation has no api_domain');
    return createPipedriveClient({
      apiDomain: user.apiDomain,
      fieldMap: opts.fieldMap,
      counter: opts.counter,
      // Pipedrive counts the burst per token, and a user's token is shared by all their runs and requests.
      pacer: pacerFor(`pipedrive:${user.id}`, PIPEDRIVE_BURST),
      searchPacer: pacerFor(`pipedrive-search:${user.id}`, PIPEDRIVE_SEARCH_BURST),
      // The daily token budget is the company's (every user and app of it), and one api_domain is one company.
      dailyBudget: dailyBudgetFor(user.apiDomain),
      withToken: (call) => withAccessToken(owner, refreshPipedriveToken, call, isUnauthorized),
    });
  }
  return createTeamleaderClient({
    counter: opts.counter,
    // Teamleader counts per integration per account; each installed user has their own row (and token).
    pacer: pacerFor(`teamleader:${user.id}`, TEAMLEADER_RATE),
    withToken: (call) => withAccessToken(owner, refreshTeamleaderToken, call, isUnauthorized),
  });
}

export type { CrmClient };
