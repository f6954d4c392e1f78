/**
 * Chrome of the emulated Teamleader Focus web app: top bar with the user switcher, left navigation,
 * content cards. The signed-in user lives in a cookie scoped to /teamleader.
 */
import { escapeHtml, html, type SandboxRequest, type SandboxResponse } from '../lib/http';
import { DEMO_ADMIN_USER_ID } from './demo-data';
import type { TeamleaderStore } from './store';
import type { TeamleaderUser } from './types';

export const CURRENT_USER_COOKIE = 'tl_sandbox_user';
export const PREFIX = '/teamleader';

export function readCookie(req: Pick<SandboxRequest, 'headers'>, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return null;
}

/** The host UI's signed-in user (defaults to the Brugge Bikes admin). */
export function currentUser(req: Pick<SandboxRequest, 'headers'>, store: TeamleaderStore): TeamleaderUser {
  const id = readCookie(req, CURRENT_USER_COOKIE);
  return (id && store.user(id)) || store.user(DEMO_ADMIN_USER_ID) || store.state.users[0];
}

export function currentUserCookie(userId: string): string {
  return `${CURRENT_USER_COOKIE}=${encodeURIComponent(userId)}; Path=${PREFIX}; HttpOnly; SameSite=Lax`;
}

const STYLE = `
*{box-sizing:border-box}body{margin:0;font-family:Inter,system-ui,-apple-system,"Segoe UI",sans-serif;font-size:14px;color:#2a3b4d;background:#f4f6f8}
a{color:#0f7ecf;text-decoration:none}a:hover{text-decoration:underline}
.topbar{height:56px;background:#fff;border-bottom:1px solid #e1e6eb;display:flex;align-items:center;gap:16px;padding:0 20px;position:sticky;top:0;z-index:2}
.logo{font-weight:700;font-size:18px;color:#2a3b4d;display:flex;align-items:center;gap:8px}.logo i{width:26px;height:26px;border-radius:6px;background:#00b2b2;display:inline-block}
.logo small{font-weight:500;color:#82909f;font-size:13px}.spacer{flex:1}
.search input{border:1px solid #d5dce3;border-radius:18px;padding:7px 14px;width:260px;background:#f4f6f8}
.switcher{display:flex;align-items:center;gap:8px;color:#5b6b7c}.switcher select{border:1px solid #d5dce3;border-radius:6px;padding:6px 8px;background:#fff}
.avatar{width:32px;height:32px;border-radius:50%;background:#2a3b4d;color:#fff;display:flex;align-items:center;justify-content:center;font-weight:600;font-size:12px}
.shell{display:flex;min-height:calc(100vh - 56px)}
nav.side{width:210px;background:#2a3b4d;padding:16px 0;flex-shrink:0}nav.side a{display:block;color:#c9d3dd;padding:10px 22px;font-weight:500}
nav.side a:hover{background:#344a60;text-decoration:none;color:#fff}nav.side a.active{background:#00b2b2;color:#fff}
nav.side .section{color:#7f93a8;font-size:11px;text-transform:uppercase;letter-spacing:.08em;padding:18px 22px 6px}
main{flex:1;padding:24px 32px;max-width:1180px}h1{font-size:22px;margin:0 0 18px;font-weight:600}h2{font-size:16px;margin:0 0 12px}
.card{background:#fff;border:1px solid #e1e6eb;border-radius:8px;padding:20px;margin-bottom:18px}
table{width:100%;border-collapse:collapse}th{text-align:left;font-size:12px;color:#82909f;font-weight:600;text-transform:uppercase;padding:8px 10px;border-bottom:1px solid #e1e6eb}
td{padding:10px;border-bottom:1px solid #eef1f4;vertical-align:top}tr:hover td{background:#f9fbfc}
.btn{display:inline-block;border:1px solid #00b2b2;background:#00b2b2;color:#fff;border-radius:6px;padding:8px 16px;font-weight:600;cursor:pointer;font-size:14px}
.btn:hover{background:#009c9c;text-decoration:none}.btn.secondary{background:#fff;color:#2a3b4d;border-color:#d5dce3}.btn.danger{background:#fff;color:#d0343a;border-color:#e8b4b6}
.muted{color:#82909f}.row{display:flex;gap:16px;flex-wrap:wrap}.row>label{flex:1;min-width:200px}
label{display:block;font-size:12px;font-weight:600;color:#5b6b7c;margin-bottom:12px}
input,select,textarea{font:inherit;display:block;width:100%;margin-top:4px;border:1px solid #d5dce3;border-radius:6px;padding:7px 9px;background:#fff;color:#2a3b4d}
textarea{min-height:80px}.tag{display:inline-block;background:#e6f7f7;color:#007f7f;border-radius:10px;padding:1px 8px;font-size:12px;margin-right:4px}
.flash{background:#e8f6ee;border:1px solid #b4e0c5;color:#1d6b3d;border-radius:6px;padding:10px 14px;margin-bottom:16px}
.error{background:#fdecec;border:1px solid #f1b8ba;color:#9b1c22;border-radius:6px;padding:10px 14px;margin-bottom:16px}
.pager{display:flex;gap:8px;align-items:center;margin-top:14px}.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:16px}
.tiles a.card{display:block;color:inherit}.tiles a.card:hover{border-color:#00b2b2;text-decoration:none}
`;

export type PageOptions = {
  title: string;
  user: TeamleaderUser;
  store: TeamleaderStore;
  active?: 'home' | 'contacts' | 'companies' | 'marketplace';
  body: string;
  /** Path to come back to after switching user. */
  back?: string;
  status?: number;
  headers?: Record<string, string>;
};

const initials = (user: TeamleaderUser) => `${user.first_name[0] ?? ''}${user.last_name[0] ?? ''}`.toUpperCase();

export function renderPage(options: PageOptions): SandboxResponse {
  const { user, store } = options;
  const account = store.account(user.account_id);
  const users = store.usersOf(user.account_id);
  const nav = (key: NonNullable<PageOptions['active']>, href: string, label: string) =>
    `<a href="${PREFIX}${href}"${options.active === key ? ' class="active"' : ''}>${label}</a>`;
  return html(
    options.status ?? 200,
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(options.title)} · Teamleader Focus</title><style>${STYLE}</style></head><body>
<header class="topbar"><a class="logo" href="${PREFIX}"><i></i>Teamleader <small>Focus · sandbox</small></a>
<form class="search" method="get" action="${PREFIX}/contacts"><input name="q" placeholder="Search contacts" aria-label="Search contacts"></form>
<span class="spacer"></span>
<form class="switcher" method="post" action="${PREFIX}/switch-user"><span>${escapeHtml(account?.name ?? '')}</span>
<input type="hidden" name="back" value="${escapeHtml(options.back ?? PREFIX)}">
<select name="user_id" aria-label="Signed in as" onchange="this.form.submit()">${users
      .map((u) => `<option value="${escapeHtml(u.id)}"${u.id === user.id ? ' selected' : ''}>${escapeHtml(`${u.first_name} ${u.last_name}`)} (${u.role})</option>`)
      .join('')}</select><noscript><button class="btn secondary">Switch</button></noscript></form>
<span class="avatar" title="${escapeHtml(`${user.first_name} ${user.last_name}`)}">${escapeHtml(initials(user))}</span></header>
<div class="shell"><nav class="side">${nav('home', '', 'Dashboard')}<div class="section">CRM</div>${nav('contacts', '/contacts', 'Contacts')}${nav('companies', '/companies', 'Companies')}
<div class="section">Settings</div>${nav('marketplace', '/marketplace', 'Marketplace')}</nav>
<main>${options.body}</main></div></body></html>`,
    options.headers,
  );
}
