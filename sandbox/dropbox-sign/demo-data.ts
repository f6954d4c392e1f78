/**
 * Demo data: the Northwind Traders team (same people as the Pipedrive demo company), two outside
 * signers, the Synclane developer account that owns the registered API app, and a few requests in
 * every state so the web UI and /list have something to show.
 */
import type { SandboxContext } from '../lib/types';
import type { SignAccount, SignState } from './sign-state';

export const NORTHWIND_TEAM_ID = 'team_northwind0001';

export const DEMO_ACCOUNTS: (Omit<SignAccount, 'callbackUrl'> & { callbackUrl?: string | null })[] = [
  { accountId: 'acc_olivia000000000001', email: 'olivia.admin@northwind.example', name: 'Olivia Admin', apiKey: 'sandbox-sign-key-olivia', teamId: NORTHWIND_TEAM_ID, roleCode: 'a', locale: 'en-US', isPaid: true },
  { accountId: 'acc_rahul0000000000002', email: 'rahul.regular@northwind.example', name: 'Rahul Regular', apiKey: 'sandbox-sign-key-rahul', teamId: NORTHWIND_TEAM_ID, roleCode: 'm', locale: 'nl-NL', isPaid: true },
  { accountId: 'acc_nina00000000000003', email: 'nina.noadd@northwind.example', name: 'Nina Noadd', apiKey: 'sandbox-sign-key-nina', teamId: NORTHWIND_TEAM_ID, roleCode: 'm', locale: 'sv-SE', isPaid: true },
  { accountId: 'acc_ada000000000000004', email: 'ada@contoso.example', name: 'Ada Lovelace', apiKey: 'sandbox-sign-key-ada', teamId: null, roleCode: null, locale: 'en-US', isPaid: false },
  { accountId: 'acc_hans00000000000005', email: 'hans.mueller@fabrikam.example', name: 'Hans Müller', apiKey: 'sandbox-sign-key-hans', teamId: null, roleCode: null, locale: 'de-DE', isPaid: false },
];

/** Owner of the registered API app; its API key is the HMAC key of app callbacks (reference §3.6). */
export function developerAccount(ctx: SandboxContext): SignAccount {
  const reg = ctx.app.dropboxSign;
  return {
    accountId: 'acc_synclanedev000099',
    email: reg.ownerEmail,
    name: 'Synclane (app owner)',
    apiKey: reg.ownerApiKey,
    callbackUrl: null,
    teamId: null,
    roleCode: null,
    locale: 'en-US',
    isPaid: true,
  };
}

export function seedAccountsAndApp(state: SignState, ctx: SandboxContext): void {
  for (const a of DEMO_ACCOUNTS) state.accounts[a.accountId] = { ...a, callbackUrl: a.callbackUrl ?? null };
  const developer = developerAccount(ctx);
  state.accounts[developer.accountId] = developer;
  state.teams[NORTHWIND_TEAM_ID] = { teamId: NORTHWIND_TEAM_ID, name: 'Northwind Traders' };
  const reg = ctx.app.dropboxSign;
  state.apps[reg.clientId] = {
    clientId: reg.clientId,
    clientSecret: reg.clientSecret,
    name: 'Synclane',
    ownerAccountId: developer.accountId,
    oauthCallbackUrl: reg.oauthCallbackUrl,
    eventCallbackUrl: reg.eventCallbackUrl,
    scopes: ['basic_account_info', 'account_access', 'request_signature', 'signature_request_access', 'team_access'],
  };
}

/** Requests created through the store so they are exactly what the API would have made. */
export const DEMO_REQUESTS = [
  { from: 'olivia.admin@northwind.example', title: 'Contoso framework agreement 2027', signers: [{ name: 'Ada Lovelace', email: 'ada@contoso.example' }], cc: ['rahul.regular@northwind.example'], signedBy: ['ada@contoso.example'] },
  { from: 'rahul.regular@northwind.example', title: 'Fabrikam NDA', signers: [{ name: 'Hans Müller', email: 'hans.mueller@fabrikam.example' }, { name: 'Rahul Regular', email: 'rahul.regular@northwind.example' }], cc: [], signedBy: ['hans.mueller@fabrikam.example'] },
  { from: 'ada@contoso.example', title: 'Contoso supplier onboarding form', signers: [{ name: 'Olivia Admin', email: 'olivia.admin@northwind.example' }], cc: ['nina.noadd@northwind.example'], signedBy: [] },
  { from: 'nina.noadd@northwind.example', title: 'Expense policy acknowledgement', signers: [{ name: 'Nina Noadd', email: 'nina.noadd@northwind.example' }], cc: [], signedBy: ['nina.noadd@northwind.example'] },
] as const;
