/**
 * The SDK wire protocol of the host script (reference §2.5), run in a VM against a minimal fake DOM:
 * the script must only accept messages from the issued iframe and id, answer every command on the
 * transferred port, keep listener ports and hide the iframe without `initialize` after 10 s.
 */
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { HOST_SDK_SCRIPT } from './host-sdk-script';

type Reply = { data?: unknown; error?: string };

function fakeElement(extra: Record<string, unknown> = {}) {
  const el: Record<string, unknown> = {
    style: {},
    dataset: {},
    children: [] as unknown[],
    classList: { toggle() {} },
    hidden: false,
    appendChild(child: unknown) {
      (el.children as unknown[]).push(child);
      return child;
    },
    setAttribute() {},
    addEventListener() {},
    remove() {},
    ...extra,
  };
  return el;
}

function loadHost() {
  const timers: { fn: () => void; ms: number }[] = [];
  const windowListeners: Record<string, ((event: unknown) => void)[]> = {};
  const container = fakeElement();
  const frameWindow = {};
  const iframe = fakeElement({ contentWindow: frameWindow, closest: () => container });
  (iframe.dataset as Record<string, string>).surfaceId = 'surface-1';
  (iframe.dataset as Record<string, string>).surfaceKind = 'panel';
  const toasts = fakeElement();
  const fetched: string[] = [];
  const document = {
    getElementById: (id: string) => (id === 'pd-host-config' ? { textContent: JSON.stringify({ base: '/pipedrive', clientId: 'synclane-sandbox' }) } : id === 'pd-toasts' ? toasts : fakeElement()),
    querySelectorAll: (selector: string) => (selector.startsWith('iframe') ? [iframe] : []),
    createElement: () => fakeElement(),
    body: fakeElement(),
  };
  const window = {
    addEventListener: (type: string, fn: (event: unknown) => void) => (windowListeners[type] ??= []).push(fn),
    innerHeight: 900,
    innerWidth: 1400,
    location: { assign() {} },
  };
  const context = {
    window,
    document,
    console: { debug() {} },
    setTimeout: (fn: () => void, ms: number) => timers.push({ fn, ms }),
    clearTimeout: () => timers.splice(0, timers.length),
    fetch: async (url: string) => {
      fetched.push(url);
      return { ok: true, json: async () => ({ token: 'jwt-from-server' }) };
    },
    CustomEvent: class {},
    Promise,
    JSON,
    Object,
    String,
    Number,
    Math,
    encodeURIComponent,
  };
  vm.runInNewContext(HOST_SDK_SCRIPT, context);

  const send = (payload: unknown, options: { id?: string; source?: unknown } = {}) =>
    new Promise<Reply>((resolve) => {
      const port = { postMessage: (reply: Reply) => resolve(reply) };
      for (const fn of windowListeners.message ?? []) fn({ data: { payload, id: options.id ?? 'surface-1' }, source: options.source ?? frameWindow, ports: [port] });
      setTimeout(() => resolve({ error: 'no reply' }), 200);
    });
  const listen = (event: string) => {
    const received: Reply[] = [];
    for (const fn of windowListeners.message ?? []) fn({ data: { payload: { type: 'listener', event }, id: 'surface-1' }, source: frameWindow, ports: [{ postMessage: (m: Reply) => received.push(m) }] });
    return received;
  };
  const emit = (type: string, detail: unknown) => (windowListeners[type] ?? []).forEach((fn) => fn({ detail }));
  return { send, listen, emit, iframe, container, timers, fetched };
}

const command = (name: string, args?: unknown) => ({ type: 'command', command: name, args });

describe('host SDK script (M4)', () => {
  it('answers initialize and applies the requested height (clamped for panels)', async () => {
    const host = loadHost();
    expect(await host.send(command('initialize', { size: { height: 5000 } }))).toEqual({ data: undefined });
    expect((host.iframe.style as Record<string, string>).height).toBe('750px');
    expect(await host.send(command('resize', { height: 320 }))).toEqual({ data: undefined });
    expect((host.iframe.style as Record<string, string>).height).toBe('320px');
  });

  it('ignores messages from another window or with another id', async () => {
    const host = loadHost();
    expect(await host.send(command('initialize'), { source: {} })).toEqual({ error: 'no reply' });
    expect(await host.send(command('initialize'), { id: 'forged' })).toEqual({ error: 'no reply' });
  });

  it('fetches a fresh signed token for GET_SIGNED_TOKEN', async () => {
    const host = loadHost();
    expect(await host.send(command('get_signed_token'))).toEqual({ data: { token: 'jwt-from-server' } });
    expect(host.fetched).toEqual(['/pipedrive/_host/token?surface=surface-1']);
  });

  it('answers metadata, notification, snackbar and unknown commands', async () => {
    const host = loadHost();
    expect(await host.send(command('get_metadata'))).toEqual({ data: { windowHeight: 900, windowWidth: 1400 } });
    expect(await host.send(command('show_snackbar', { message: 'Saved' }))).toEqual({ data: undefined });
    expect(await host.send(command('set_notification', { number: 3 }))).toEqual({ data: undefined });
    expect(await host.send(command('show_floating_window', {}))).toEqual({ data: undefined });
    expect(await host.send(command('something_new'))).toEqual({ data: {} });
  });

  it('pushes theme changes to user_settings_change listeners', () => {
    const host = loadHost();
    const received = host.listen('user_settings_change');
    host.emit('pd-theme-change', { theme: 'dark' });
    expect(received).toEqual([{ data: { theme: 'dark' } }]);
  });

  it('shows "Something went wrong" when initialize does not arrive within 10 s', () => {
    const host = loadHost();
    const timer = host.timers.find((t) => t.ms === 10_000)!;
    timer.fn();
    expect((host.iframe.style as Record<string, string>).display).toBe('none');
    expect((host.container.children as { textContent: string }[])[0].textContent).toBe('Something went wrong');
  });
});
