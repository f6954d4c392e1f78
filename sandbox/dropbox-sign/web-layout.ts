import { escapeHtml } from '../lib/http';

export function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} — Dropbox Sign (sandbox)</title>
<style>body{font-family:system-ui,sans-serif;max-width:980px;margin:32px auto;padding:0 16px;color:#1b1f24}
header{display:flex;gap:12px;align-items:baseline;border-bottom:1px solid #e3e6ea;margin-bottom:16px}header a{color:#1b6ef3}
a.card,label.pick{display:block;border:1px solid #d6dbe0;border-radius:8px;padding:12px 16px;margin:8px 0;text-decoration:none;color:inherit}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eef0f2;padding:6px 8px;text-align:left;vertical-align:top}
.tag{display:inline-block;border-radius:10px;padding:1px 8px;font-size:12px;background:#eef0f2}.signed{background:#d8f5e0}.declined{background:#fde2e1}
button{padding:6px 12px;border-radius:6px;border:1px solid #c8cdd3;background:#fff;cursor:pointer}button.primary{background:#1b6ef3;color:#fff;border-color:#1b6ef3}
code{background:#f1f3f5;padding:1px 5px;border-radius:4px}.error{color:#b3261e}input[type=text],input[type=email],input[type=url]{width:100%;padding:6px;box-sizing:border-box}</style></head>
<body><header><h1>Dropbox Sign <small>(sandbox)</small></h1><a href="/dropbox-sign">Accounts</a><a href="/">Sandbox home</a></header>
<h2>${escapeHtml(title)}</h2>${body}</body></html>`;
}
