/**
 * Page shell of the emulated Pipedrive web app: left navigation, top bar with user switcher and
 * theme toggle, cards. Server-rendered; the SDK host script is added by pages that embed iframes.
 */
import { escapeHtml as e } from '../lib/http';
import type { Theme } from './host-session';
import type { Company, User } from './types';

export type LayoutOptions = {
  base: string;
  title: string;
  active?: 'home' | 'persons' | 'organizations' | 'deals' | 'marketplace';
  user: User;
  users: User[];
  company: Company;
  theme: Theme;
  body: string;
  /** Extra HTML at the end of <body> (scripts). */
  tail?: string;
  /** Where the user switcher returns to. */
  returnTo: string;
};

const CSS = `
:root{--bg:#f4f5f7;--card:#fff;--text:#192435;--muted:#6a7385;--border:#dfe2e7;--nav:#192435;--navText:#c6ccd7;--accent:#017737;--accentText:#fff;--link:#0f62c2;--danger:#c0392b;--input:#fff}
html[data-theme=dark]{--bg:#121822;--card:#1c2431;--text:#e8ebf0;--muted:#9aa4b5;--border:#2f3a4b;--nav:#0b1018;--navText:#aab3c2;--accent:#22a55b;--accentText:#fff;--link:#6aa9ff;--danger:#ff6b5e;--input:#141b26}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;background:var(--bg);color:var(--text)}
a{color:var(--link);text-decoration:none}a:hover{text-decoration:underline}
.shell{display:flex;min-height:100vh}.nav{width:64px;background:var(--nav);display:flex;flex-direction:column;align-items:center;padding:12px 0;gap:6px;flex-shrink:0}
.nav a{color:var(--navText);width:52px;padding:8px 0;border-radius:8px;text-align:center;font-size:11px;display:block}.nav a .icon{display:block;font-size:18px}
.nav a.active,.nav a:hover{background:rgba(255,255,255,.12);color:#fff;text-decoration:none}.logo{color:#fff;font-weight:800;font-size:22px;margin-bottom:10px}
.main{flex:1;min-width:0;display:flex;flex-direction:column}.topbar{height:56px;background:var(--card);border-bottom:1px solid var(--border);display:flex;align-items:center;padding:0 20px;gap:14px}
.topbar h1{font-size:18px;margin:0;flex:1;font-weight:600}.topbar form{margin:0}.content{padding:20px;flex:1}
.card{background:var(--card);border:1px solid var(--border);border-radius:8px;padding:16px 18px;margin-bottom:16px}
.card h2{font-size:15px;margin:0 0 10px}.muted{color:var(--muted)}.grid{display:grid;grid-template-columns:400px 1fr;gap:16px;align-items:start}
table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:8px 10px;border-bottom:1px solid var(--border);vertical-align:top}th{font-size:12px;color:var(--muted);font-weight:600;text-transform:uppercase}
button,.button{background:var(--accent);color:var(--accentText);border:0;border-radius:6px;padding:7px 14px;font:inherit;font-weight:600;cursor:pointer;display:inline-block}
button.secondary,.button.secondary{background:transparent;color:var(--text);border:1px solid var(--border)}button.danger{background:var(--danger)}
input,select,textarea{font:inherit;color:var(--text);background:var(--input);border:1px solid var(--border);border-radius:6px;padding:6px 8px;width:100%}
label{display:block;font-size:12px;color:var(--muted);margin:10px 0 3px}.row{display:flex;gap:8px}.row>*{flex:1}
.badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:11px;background:var(--bg);border:1px solid var(--border);color:var(--muted)}
.banner{padding:10px 14px;border-radius:6px;margin-bottom:16px;border:1px solid var(--border);background:var(--card)}.banner.error{border-color:var(--danger);color:var(--danger)}
.app-panel{background:var(--card);border:1px solid var(--border);border-radius:8px;margin-bottom:16px;overflow:hidden}.app-panel header{padding:8px 12px;font-weight:600;border-bottom:1px solid var(--border);display:flex;justify-content:space-between;cursor:pointer}
.surface iframe{display:block;width:100%;border:0;height:100px}.surface-error{padding:16px;color:var(--danger)}
.dock-badge{background:#e5484d;color:#fff;border-radius:9px;padding:0 6px;font-size:11px;margin-left:4px}
#pd-toasts{position:fixed;left:50%;bottom:24px;transform:translateX(-50%);display:flex;flex-direction:column;gap:8px;z-index:1000}
.toast{background:#192435;color:#fff;padding:10px 16px;border-radius:6px;box-shadow:0 4px 14px rgba(0,0,0,.25)}.toast a{color:#8fc3ff;margin-left:10px}
dialog{border:1px solid var(--border);border-radius:10px;background:var(--card);color:var(--text);padding:20px;min-width:340px;max-width:90vw}dialog::backdrop{background:rgba(0,0,0,.45)}
dialog.custom-modal{width:720px;padding:0}dialog.custom-modal iframe{display:block;width:100%;border:0;height:480px}
body.focus-mode .nav,body.focus-mode .topbar{opacity:.35;pointer-events:none}
`;

const NAV: { key: LayoutOptions['active']; href: string; icon: string; label: string }[] = [
  { key: 'home', href: '', icon: '⌂', label: 'Home' },
  { key: 'deals', href: '/deals', icon: '$', label: 'Deals' },
  { key: 'persons', href: '/persons', icon: '☺', label: 'People' },
  { key: 'organizations', href: '/organizations', icon: '▦', label: 'Orgs' },
  { key: 'marketplace', href: '/settings/marketplace', icon: '✦', label: 'Apps' },
];

export function renderLayout(o: LayoutOptions): string {
  const nav = NAV.map((n) => `<a href="${o.base}${n.href}" class="${o.active === n.key ? 'active' : ''}"><span class="icon">${n.icon}</span>${n.label}</a>`).join('');
  const switcher = o.users
    .map((u) => `<option value="${u.id}"${u.id === o.user.id ? ' selected' : ''}>${e(u.name)}${u.isAdmin ? ' (admin)' : ''}${u.canAddPersons ? '' : ' (cannot add people)'}</option>`)
    .join('');
  return `<!doctype html><html lang="en" data-theme="${o.theme}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${e(o.title)} – Pipedrive (sandbox)</title><style>${CSS}</style></head>
<body><div class="shell"><nav class="nav"><div class="logo">p</div>${nav}</nav>
<div class="main"><header class="topbar"><h1>${e(o.title)}</h1>
<span class="muted">${e(o.company.name)}</span><span id="pd-app-dock" title="Synclane">✦<span id="pd-notification" class="dock-badge" hidden></span></span>
<form method="post" action="${o.base}/_host/switch-user"><input type="hidden" name="returnTo" value="${e(o.returnTo)}">
<select name="userId" aria-label="Signed in as" onchange="this.form.submit()">${switcher}</select></form>
<button type="button" class="secondary" id="pd-theme-toggle" aria-label="Toggle light/dark theme">${o.theme === 'dark' ? '☀ Light' : '☾ Dark'}</button>
</header><main class="content">${o.body}</main></div></div>
<div id="pd-toasts" aria-live="polite"></div>
<script>
document.getElementById('pd-theme-toggle').addEventListener('click', function () {
  var next = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
  document.documentElement.dataset.theme = next;
  document.cookie = 'pd_theme=' + next + '; path=/; max-age=31536000; samesite=lax';
  this.textContent = next === 'dark' ? '☀ Light' : '☾ Dark';
  window.dispatchEvent(new CustomEvent('pd-theme-change', { detail: { theme: next } }));
});
</script>${o.tail ?? ''}</body></html>`;
}
