/** `/api/v1/users/me`, `/api/v1/users`, `/api/v1/users/:id`, `/api/v1/users/:id/permissions` (reference §1.2, §3.6). */
import { ApiRoutes, idParam } from './api-context';
import type { EmulatorDeps } from './emulator-deps';
import type { PipedriveStore } from './store';
import { ApiFailure } from './store';
import type { Company, User } from './types';
import { ok, v1Time } from './wire-format';

export function serializeUser(user: User, self: User): Record<string, unknown> {
  const permissionSet = user.isAdmin ? 'global-admin' : user.canAddPersons ? 'regular-user' : 'regular-user-no-add';
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    phone: null,
    lang: user.lang,
    locale: user.locale,
    timezone_name: user.timezoneName,
    timezone_offset: user.timezoneOffset,
    default_currency: 'EUR',
    icon_url: null,
    active_flag: user.activeFlag,
    activated: true,
    is_admin: user.isAdmin,
    role_id: 1,
    is_you: user.id === self.id,
    created: v1Time(user.createdAt),
    modified: v1Time(user.createdAt),
    last_login: v1Time(user.createdAt),
    has_created_company: user.isAdmin,
    access: [
      { app: 'sales', admin: user.isAdmin, permission_set_id: `${permissionSet}-sales` },
      { app: 'global', admin: user.isAdmin, permission_set_id: `${permissionSet}-global` },
    ],
  };
}

export function serializeMe(user: User, company: Company): Record<string, unknown> {
  const [languageCode, countryCode] = user.locale.split('_');
  return {
    ...serializeUser(user, user),
    company_id: company.id,
    company_name: company.name,
    company_domain: company.domain,
    company_country: company.country,
    company_industry: company.industry,
    language: { language_code: languageCode, country_code: countryCode },
  };
}

/** The booleans of `/users/:id/permissions`; "add people" is deliberately not among them (§3.6). */
export function userPermissions(user: User): Record<string, boolean> {
  const admin = user.isAdmin;
  return {
    can_add_custom_fields: admin,
    can_add_products: true,
    can_add_prospects_as_leads: true,
    can_bulk_edit_items: admin,
    can_change_visibility_of_items: true,
    can_convert_deals_to_leads: true,
    can_create_own_workflow: true,
    can_delete_activities: true,
    can_delete_custom_fields: admin,
    can_delete_deals: true,
    can_edit_custom_fields: admin,
    can_edit_deals_closed_date: admin,
    can_edit_products: true,
    can_edit_shared_filters: admin,
    can_export_data_from_lists: user.canAddPersons,
    can_follow_other_users: true,
    can_merge_deals: true,
    can_merge_organizations: user.canAddOrganizations,
    can_merge_people: user.canAddPersons,
    can_modify_labels: true,
    can_see_company_wide_statistics: admin,
    can_see_deals_list_summary: true,
    can_see_hidden_items_names: admin,
    can_see_other_users: true,
    can_see_other_users_statistics: admin,
    can_see_security_dashboard: admin,
    can_share_filters: true,
    can_share_insights: true,
    can_use_api: true,
    can_use_email_tracking: true,
    can_use_import: user.canAddPersons,
  };
}

export function registerUserRoutes(api: ApiRoutes, { store }: EmulatorDeps): void {
  const companyUser = (s: PipedriveStore, companyId: number, id: number) => {
    const user = s.user(id);
    if (!user || user.companyId !== companyId) throw new ApiFailure(404, 'User not found');
    return user;
  };

  api.add('GET', '/api/v1/users/me', (_req, caller) => ok(serializeMe(caller.user, caller.company)));
  api.add('GET', '/api/v1/users', (_req, caller) => ok(store.usersOf(caller.company.id).map((u) => serializeUser(u, caller.user))));
  api.add('GET', '/api/v1/users/:id', (req, caller) => ok(serializeUser(companyUser(store, caller.company.id, idParam(req)), caller.user)));
  api.add('GET', '/api/v1/users/:id/permissions', (req, caller) => ok(userPermissions(companyUser(store, caller.company.id, idParam(req)))));
}
