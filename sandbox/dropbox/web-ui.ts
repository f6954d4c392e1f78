/**
 * A small dropbox.com-like web UI for reviewers: pick a demo account, browse its `Apps/<app folder>`,
 * upload, replace, rename (case-only too), move and delete files and folders, unlink the app. Every action
 * is a real write through the file store, so it shows up in list_folder/continue and fires the webhook.
 */
import { escapeHtml, html, readForm, redirect, type Router, type SandboxRequest, type SandboxResponse } from '../lib/http';
import { parseMultipart } from '../lib/multipart';
import type { SandboxContext } from '../lib/types';
import type { DropboxAccount, DropboxState, StoredEntry } from './dropbox-state';
import { FileStore, StoreFailure, parentOf } from './file-store';

export class DropboxWebUi {
  constructor(
    private readonly ctx: SandboxContext,
    private readonly state: () => DropboxState,
    private readonly store: FileStore,
    private readonly unlink: (accountId: string) => void,
  ) {}

  register(router: Router): void {
    router.get('/home', () => this.accountsPage());
    router.get('/home/:account', (req) => this.folderPage(req));
    router.post('/home/:account/upload', (req) => this.act(req, () => this.upload(req)));
    router.post('/home/:account/folders', (req) => this.act(req, () => this.createFolder(req)));
    router.get('/home/:account/entries/:id/download', (req) => this.download(req));
    router.post('/home/:account/entries/:id/replace', (req) => this.act(req, () => this.replace(req)));
    router.post('/home/:account/entries/:id/rename', (req) => this.act(req, () => this.rename(req)));
    router.post('/home/:account/entries/:id/move', (req) => this.act(req, () => this.move(req)));
    router.post('/home/:account/entries/:id/delete', (req) => this.act(req, () => this.remove(req)));
    router.post('/home/:account/unlink', (req) => {
      const account = this.account(req.params.account);
      this.unlink(account.accountId);
      return redirect(`${this.base(account)}?notice=${encodeURIComponent('Synclane was disconnected. Its folder and files stay in your Dropbox.')}`, 303);
    });
  }

  private account(key: string): DropboxAccount {
    const accounts = Object.values(this.state().accounts);
    const account = accounts.find((a) => a.email === key.toLowerCase() || a.accountId === key);
    if (!account) throw new StoreFailure('lookup', { '.tag': 'not_found' });
    return account;
  }

  private base(account: DropboxAccount): string {
    return `/dropbox/home/${encodeURIComponent(account.email)}`;
  }

  private folderUrl(account: DropboxAccount, path: string, notice?: string): string {
    const query = new URLSearchParams();
    if (path) query.set('path', path);
    if (notice) query.set('notice', notice);
    const q = query.toString();
    return `${this.base(account)}${q ? `?${q}` : ''}`;
  }

  /** Runs a form action; a store refusal (conflict, not found) comes back as a notice on the folder page. */
  private act(req: SandboxRequest, action: () => { account: DropboxAccount; folder: string; notice: string }): SandboxResponse {
    try {
      const { account, folder, notice } = action();
      return redirect(this.folderUrl(account, folder, notice), 303);
    } catch (error) {
      if (!(error instanceof StoreFailure)) throw error;
      const account = this.account(req.params.account);
      const form = String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') ? readForm(req) : null;
      const folder = form?.get('folder') ?? '';
      return redirect(this.folderUrl(account, folder, `That did not work: ${describe(error)}.`), 303);
    }
  }

  private accountsPage(): SandboxResponse {
    const folder = this.ctx.app.dropbox.appFolderName;
    const cards = Object.values(this.state().accounts)
      .map((a) => {
        const count = Object.keys(this.state().namespaces[a.accountId]?.entries ?? {}).length;
        const linked = this.state().linked[a.accountId] ? 'Synclane linked' : 'Synclane not linked';
        return `<a class="card" href="${this.base(a)}"><strong>${escapeHtml(a.displayName)}</strong><br><small>${escapeHtml(a.email)} · ${count} items in Apps/${escapeHtml(folder)} · ${linked}</small></a>`;
      })
      .join('');
    return html(200, layout('Dropbox — pick an account', `<p>Demo Dropbox accounts of the sandbox. Link one from Synclane (each CRM user links their own), then add files here to see them sync.</p>${cards}`));
  }

  private folderPage(req: SandboxRequest): SandboxResponse {
    const account = this.account(req.params.account);
    const path = req.url.searchParams.get('path') ?? '';
    const notice = req.url.searchParams.get('notice');
    const appFolder = this.ctx.app.dropbox.appFolderName;
    const folder = path ? this.store.get(account.accountId, path.toLowerCase()) : null;
    if (path && (!folder || folder.kind !== 'folder')) return html(404, layout('Not found', `<p class="error">This folder does not exist (any more).</p><p><a href="${this.base(account)}">Back to Apps/${escapeHtml(appFolder)}</a></p>`));
    const folderPath = folder?.pathDisplay ?? '';
    const entries = this.store.listUnder(account.accountId, folder?.pathLower ?? '', false).sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'folder' ? -1 : 1));
    const crumbs = [`<a href="/dropbox/home">Dropbox</a>`, 'Apps', `<a href="${this.folderUrl(account, '')}">${escapeHtml(appFolder)}</a>`];
    let walked = '';
    for (const part of folderPath.split('/').filter(Boolean)) {
      walked += `/${part}`;
      crumbs.push(`<a href="${escapeHtml(this.folderUrl(account, walked))}">${escapeHtml(part)}</a>`);
    }
    const hidden = `<input type="hidden" name="folder" value="${escapeHtml(folderPath)}">`;
    const rows = entries
      .map((e) => {
        const entryBase = `${this.base(account)}/entries/${encodeURIComponent(e.id)}`;
        const link = e.kind === 'folder' ? `<span class="icon folder" aria-hidden="true"></span><a href="${escapeHtml(this.folderUrl(account, e.pathDisplay))}">${escapeHtml(e.name)}</a>` : `<span class="icon file" aria-hidden="true"></span><a href="${entryBase}/download">${escapeHtml(e.name)}</a>`;
        const replace = e.kind === 'file'
          ? `<form method="post" enctype="multipart/form-data" action="${entryBase}/replace" class="inline">${hidden}<input type="file" name="file" required aria-label="New version of ${escapeHtml(e.name)}"><button>Replace</button></form>`
          : '';
        return `<tr><td>${link}<div class="meta">${escapeHtml(e.id)}${e.rev ? ` · rev ${escapeHtml(e.rev)}` : ''}</div></td>
<td>${e.kind === 'file' ? formatSize(e.size ?? 0) : '—'}</td><td>${escapeHtml(e.serverModified ?? '')}</td>
<td class="actions"><form method="post" action="${entryBase}/rename" class="inline">${hidden}<input name="name" value="${escapeHtml(e.name)}" aria-label="New name for ${escapeHtml(e.name)}"><button>Rename</button></form>
<form method="post" action="${entryBase}/move" class="inline">${hidden}<input name="to" placeholder="/Other folder" aria-label="Move ${escapeHtml(e.name)} to folder"><button>Move</button></form>
${replace}<form method="post" action="${entryBase}/delete" class="inline" onsubmit="return confirm('Delete ${escapeHtml(e.name).replace(/'/g, '')}?')">${hidden}<button class="danger">Delete</button></form></td></tr>`;
      })
      .join('');
    const linked = this.state().linked[account.accountId];
    const body = `<p class="crumbs">${crumbs.join(' / ')}</p>
${notice ? `<p class="notice">${escapeHtml(notice)}</p>` : ''}
<div class="toolbar">
<form method="post" enctype="multipart/form-data" action="${this.base(account)}/upload" class="inline">${hidden}<input type="file" name="file" multiple required aria-label="Files to upload"><button>Upload</button></form>
<form method="post" action="${this.base(account)}/folders" class="inline">${hidden}<input name="name" placeholder="New folder name" required aria-label="New folder name"><button>Create folder</button></form>
${path ? `<a href="${escapeHtml(this.folderUrl(account, parentOf(folderPath)))}">↑ Up</a>` : ''}
</div>
<table><thead><tr><th>Name</th><th>Size</th><th>Modified</th><th>Actions</th></tr></thead><tbody>${rows || '<tr><td colspan="4">This folder is empty.</td></tr>'}</tbody></table>
<p class="meta">Used ${formatSize(this.store.usedBytes(account.accountId))} of ${formatSize(account.quotaBytes)} · account ${escapeHtml(account.accountId)}</p>
${linked ? `<form method="post" action="${this.base(account)}/unlink" onsubmit="return confirm('Disconnect Synclane? Its files stay in your Dropbox.')"><button class="secondary">Disconnect Synclane (Settings › Connected apps)</button></form>` : '<p class="meta">Synclane is not linked to this account.</p>'}`;
    return html(200, layout(`${account.displayName} — Apps/${appFolder}${folderPath}`, body));
  }

  private upload(req: SandboxRequest) {
    const account = this.account(req.params.account);
    const parts = parseMultipart(req.body, String(req.headers['content-type'] ?? '')) ?? [];
    const folder = parts.find((p) => p.name === 'folder')?.data.toString('utf8') ?? '';
    const files = parts.filter((p) => p.name === 'file' && p.fileName);
    const names: string[] = [];
    for (const file of files) {
      // Dropping a file onto dropbox.com keeps both when the name is taken ("name (1).ext").
      const entry = this.store.commitFile(account.accountId, `${folder}/${baseName(file.fileName!)}`, file.data, { mode: { kind: 'add' }, autorename: true, strictConflict: false });
      names.push(entry.name);
    }
    return { account, folder, notice: names.length ? `Uploaded ${names.join(', ')}.` : 'Pick a file to upload.' };
  }

  private createFolder(req: SandboxRequest) {
    const account = this.account(req.params.account);
    const form = readForm(req);
    const folder = form.get('folder') ?? '';
    const entry = this.store.createFolder(account.accountId, `${folder}/${(form.get('name') ?? '').trim()}`, false);
    return { account, folder, notice: `Created folder ${entry.name}.` };
  }

  private entry(account: DropboxAccount, id: string): StoredEntry {
    const entry = this.store.getById(account.accountId, id);
    if (!entry) throw new StoreFailure('lookup', { '.tag': 'not_found' });
    return entry;
  }

  private replace(req: SandboxRequest) {
    const account = this.account(req.params.account);
    const entry = this.entry(account, req.params.id);
    const parts = parseMultipart(req.body, String(req.headers['content-type'] ?? '')) ?? [];
    const file = parts.find((p) => p.name === 'file' && p.fileName);
    const folder = parentOf(entry.pathDisplay);
    if (!file) return { account, folder, notice: 'Pick a file to replace it with.' };
    this.store.commitFile(account.accountId, entry.id, file.data, { mode: { kind: 'overwrite' }, autorename: false, strictConflict: false });
    return { account, folder, notice: `Replaced ${entry.name} (new rev ${entry.rev}).` };
  }

  private rename(req: SandboxRequest) {
    const account = this.account(req.params.account);
    const entry = this.entry(account, req.params.id);
    const name = (readForm(req).get('name') ?? '').trim();
    const old = entry.name;
    if (!name || name.includes('/')) throw new StoreFailure('write', { '.tag': 'malformed_path' });
    this.store.rename(account.accountId, entry.id, name);
    return { account, folder: parentOf(entry.pathDisplay), notice: `Renamed ${old} to ${entry.name}.` };
  }

  private move(req: SandboxRequest) {
    const account = this.account(req.params.account);
    const entry = this.entry(account, req.params.id);
    const raw = (readForm(req).get('to') ?? '').trim().replace(/\/+$/, '');
    const to = raw && !raw.startsWith('/') ? `/${raw}` : raw;
    const from = parentOf(entry.pathDisplay);
    this.store.move(account.accountId, entry.id, `${to}/${entry.name}`, false);
    return { account, folder: from, notice: `Moved ${entry.name} to Apps/${this.ctx.app.dropbox.appFolderName}${to || ''}.` };
  }

  private remove(req: SandboxRequest) {
    const account = this.account(req.params.account);
    const entry = this.entry(account, req.params.id);
    this.store.delete(account.accountId, entry.id);
    return { account, folder: parentOf(entry.pathDisplay), notice: `Deleted ${entry.name}.` };
  }

  private download(req: SandboxRequest): SandboxResponse {
    const account = this.account(req.params.account);
    const entry = this.entry(account, req.params.id);
    if (entry.kind !== 'file') return html(400, layout('Not a file', '<p>Folders cannot be downloaded here.</p>'));
    return {
      status: 200,
      headers: { 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(entry.name)}` },
      body: this.store.content(entry),
    };
  }

  static errorPage(error: StoreFailure): SandboxResponse {
    return html(404, layout('Not found', `<p class="error">${escapeHtml(describe(error))}</p><p><a href="/dropbox/home">Back to accounts</a></p>`));
  }
}

function describe(error: StoreFailure): string {
  const tag = error.union['.tag'];
  const inner = error.union[tag] as { '.tag'?: string } | undefined;
  const detail = inner?.['.tag'] ?? (error.union.conflict as { '.tag'?: string } | undefined)?.['.tag'];
  const text: Record<string, string> = {
    not_found: 'the item does not exist',
    conflict: 'something with that name already exists there',
    malformed_path: 'that name or path is not valid',
    disallowed_name: 'Dropbox does not allow that name',
    insufficient_space: 'your Dropbox is full',
    cant_move_folder_into_itself: 'a folder cannot move into itself',
  };
  return `${text[tag] ?? text[detail ?? ''] ?? tag}${detail && tag !== 'conflict' ? ` (${detail})` : ''}`;
}

function baseName(fileName: string): string {
  return fileName.split(/[\\/]/).pop() || 'file';
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
}

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} | Dropbox (sandbox)</title>
<style>body{font-family:system-ui,sans-serif;margin:0;color:#1e1919;background:#f7f5f2}
header{background:#0061fe;color:#fff;padding:10px 24px;font-weight:600}main{max-width:1150px;margin:24px auto;padding:0 16px}
a{color:#0061fe}a.card{display:block;background:#fff;border:1px solid #e0ddd8;border-radius:8px;padding:14px 18px;margin:10px 0;text-decoration:none;color:inherit}
table{width:100%;border-collapse:collapse;background:#fff}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #ece9e4;font-size:14px;vertical-align:top}
.icon{display:inline-block;width:14px;height:11px;margin-right:6px;border-radius:2px;vertical-align:-1px}.icon.folder{background:#7aa8ff;border-top:3px solid #4d86f5}.icon.file{width:10px;height:13px;background:#fff;border:1px solid #8a847e}
.meta{font-size:12px;color:#6b6560;word-break:break-all}.crumbs{font-size:15px}.notice{background:#e8f0ff;border:1px solid #b9d0ff;padding:8px 12px;border-radius:6px}
.error{color:#c22}.toolbar{display:flex;gap:16px;align-items:center;margin:12px 0;flex-wrap:wrap}form.inline{display:inline-flex;gap:4px;margin:2px 4px 2px 0}
.actions input{width:130px}input{font:inherit;padding:4px 6px;border:1px solid #c9c4be;border-radius:4px}
button{background:#0061fe;color:#fff;border:0;border-radius:4px;padding:5px 12px;font:inherit;cursor:pointer}button.danger{background:#c22}button.secondary{background:#6b6560;margin-top:12px}</style></head>
<body><header>Dropbox · Synclane sandbox</header><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}
