/** users.*, customFieldDefinitions.* and webhooks.* endpoints. */
import { badRequest, notFound } from './errors';
import { createdResponse, dataResponse, emptyResponse, objectField, paginate, parseIds, parsePage, type Endpoint } from './api-support';
import type { CustomFieldDefinition, TeamleaderUser } from './types';

function serializeUser(user: TeamleaderUser) {
  return {
    id: user.id,
    account: { type: 'account', id: user.account_id },
    first_name: user.first_name,
    last_name: user.last_name,
    email: user.email,
    email_verification_status: 'confirmed',
    telephones: user.telephones.map((t) => ({ ...t })),
    language: user.language,
    function: user.function,
    time_zone: user.time_zone,
  };
}

function serializeDefinition(definition: CustomFieldDefinition) {
  const { account_id: _account, ...rest } = definition;
  return rest;
}

export const accountEndpoints: Record<string, Endpoint> = {
  'users.me': ({ userId, store }) => {
    const user = store.user(userId);
    if (!user) throw notFound('User not found');
    return dataResponse({
      ...serializeUser(user),
      preferences: { invoiceable: user.role !== 'restricted', historic_time_tracking_limit: null, whitelabeling: false },
    });
  },
  /** departments.list (the account's legal entities): the first one carries the company name apps show. */
  'departments.list': ({ accountId, store }) => {
    const account = store.account(accountId);
    if (!account) throw notFound('Account not found');
    return dataResponse([{ id: `${account.id.slice(0, 24)}dept00000001`, name: account.name, vat_number: null, currency: 'EUR', emails: [], status: 'active' }]);
  },
  'users.list': ({ accountId, store }) => dataResponse(store.usersOf(accountId).map((u) => ({ ...serializeUser(u), status: 'active' }))),
  'users.info': ({ body, accountId, store }) => {
    const user = store.usersOf(accountId).find((u) => u.id === body.id);
    if (!user) throw notFound(`User ${String(body.id)} not found`);
    return dataResponse({ ...serializeUser(user), status: 'active' });
  },

  'customFieldDefinitions.list': ({ body, accountId, store }) => {
    const filter = objectField(body, 'filter');
    const ids = parseIds(filter.ids, 'filter.ids');
    const rows = store
      .definitionsOf(accountId)
      .filter((d) => (!ids || ids.has(d.id)) && (filter.context === undefined || d.context === filter.context));
    return dataResponse(paginate(rows, parsePage(body)).map(serializeDefinition));
  },
  'customFieldDefinitions.info': ({ body, accountId, store }) => {
    const definition = store.definitionsOf(accountId).find((d) => d.id === body.id);
    if (!definition) throw notFound(`Custom field definition ${String(body.id)} not found`);
    return dataResponse(serializeDefinition(definition));
  },
  'customFieldDefinitions.create': ({ body, accountId, store }) =>
    createdResponse('customFieldDefinition', store.createCustomFieldDefinition(accountId, body).id),

  'webhooks.register': ({ body, accountId, clientId, store }) => {
    store.registerWebhook(accountId, clientId, body.url, body.types);
    return emptyResponse();
  },
  'webhooks.list': ({ accountId, clientId, store }) =>
    dataResponse(store.webhooksOf(accountId, clientId).map((w) => ({ url: w.url, types: [...w.types] }))),
  'webhooks.unregister': ({ body, accountId, clientId, store }) => {
    if (typeof body.url !== 'string') throw badRequest('url must be a valid URL');
    store.unregisterWebhook(accountId, clientId, body.url, body.types);
    return emptyResponse();
  },
};
