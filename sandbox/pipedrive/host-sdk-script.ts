/**
 * Browser script of the emulated Pipedrive host page: the `@pipedrive/app-extensions-sdk` wire
 * protocol (reference §2.5) for every custom-UI iframe on the page.
 *
 * - A message counts only if `event.source` is the surface's iframe window and `message.id` is the
 *   id the host issued for it.
 * - Every command is answered on the transferred port (`{data}` or `{error}`); unknown commands get
 *   `{data: {}}` because the SDK has no timeout and would hang forever.
 * - Listener registrations keep their port; the theme toggle pushes `{data: {theme}}` to
 *   `user_settings_change` listeners, collapsing a panel pushes `{data: {is_visible}}` to `visibility`.
 * - No `initialize` within 10 s → the iframe is hidden and "Something went wrong" shown (like Pipedrive).
 *
 * Page contract: a `<script type="application/json" id="pd-host-config">` with `{ base }`, iframes
 * with `data-surface-id` and `data-surface-kind` inside a `.surface` element.
 */
export const HOST_SDK_SCRIPT = String.raw`
(function () {
  'use strict';
  var INIT_TIMEOUT_MS = 10000;
  var config = JSON.parse(document.getElementById('pd-host-config').textContent);
  var surfaces = {};

  function log() {
    if (window.console) console.debug.apply(console, ['[pipedrive host]'].concat([].slice.call(arguments)));
  }

  function register(iframe) {
    var surface = {
      id: iframe.dataset.surfaceId,
      kind: iframe.dataset.surfaceKind,
      iframe: iframe,
      container: iframe.closest('.surface'),
      ready: false,
      listeners: {},
      onClose: null
    };
    surfaces[surface.id] = surface;
    surface.timer = setTimeout(function () {
      if (surface.ready) return;
      iframe.style.display = 'none';
      var error = document.createElement('div');
      error.className = 'surface-error';
      error.setAttribute('role', 'alert');
      error.textContent = 'Something went wrong';
      surface.container.appendChild(error);
      log('surface ' + surface.id + ' did not initialize within 10 s');
    }, INIT_TIMEOUT_MS);
    return surface;
  }

  document.querySelectorAll('iframe[data-surface-id]').forEach(register);

  function push(surface, event, data) {
    (surface.listeners[event] || []).forEach(function (port) { port.postMessage({ data: data }); });
  }

  function pushAll(event, data) {
    Object.keys(surfaces).forEach(function (id) { push(surfaces[id], event, data); });
  }

  function applySize(surface, size) {
    if (!size) return;
    var height = Number(size.height);
    var width = Number(size.width);
    if (height) {
      if (surface.kind === 'panel') height = Math.max(100, Math.min(750, height));
      surface.iframe.style.height = height + 'px';
    }
    if (width && surface.kind === 'custom_modal') {
      surface.iframe.closest('dialog').style.width = Math.max(320, width) + 'px';
    }
  }

  // ── UI pieces ────────────────────────────────────────────────────────────────────────────────
  function toast(message, link) {
    var box = document.createElement('div');
    box.className = 'toast';
    box.setAttribute('role', 'status');
    box.textContent = message;
    if (link && link.url) {
      var a = document.createElement('a');
      a.href = link.url;
      a.target = '_blank';
      a.rel = 'noopener';
      a.textContent = link.label || link.url;
      box.appendChild(a);
    }
    document.getElementById('pd-toasts').appendChild(box);
    setTimeout(function () { box.remove(); }, 5000);
  }

  function dialog(build) {
    var d = document.createElement('dialog');
    document.body.appendChild(d);
    build(d);
    d.addEventListener('close', function () { setTimeout(function () { d.remove(); }, 0); });
    d.showModal();
    return d;
  }

  function button(text, className, onClick) {
    var b = document.createElement('button');
    b.type = 'button';
    b.textContent = text;
    if (className) b.className = className;
    b.addEventListener('click', onClick);
    return b;
  }

  function confirmDialog(args) {
    args = args || {};
    return new Promise(function (resolve) {
      var answered = false;
      dialog(function (d) {
        d.setAttribute('aria-label', args.title || 'Confirm');
        var h = document.createElement('h3');
        h.textContent = args.title || 'Are you sure?';
        d.appendChild(h);
        if (args.description) {
          var p = document.createElement('p');
          p.textContent = args.description;
          d.appendChild(p);
        }
        var row = document.createElement('div');
        row.className = 'row';
        var finish = function (confirmed) { answered = true; d.close(); resolve({ confirmed: confirmed }); };
        row.appendChild(button(args.cancelText || 'Cancel', 'secondary', function () { finish(false); }));
        row.appendChild(button(args.okText || 'OK', args.okColor === 'negative' ? 'danger' : '', function () { finish(true); }));
        d.appendChild(row);
        d.addEventListener('close', function () { if (!answered) resolve({ confirmed: false }); });
      });
    });
  }

  function entityModal(args) {
    var type = args.type;
    var prefill = args.prefill || {};
    return new Promise(function (resolve) {
      var result = { status: 'closed' };
      dialog(function (d) {
        var h = document.createElement('h3');
        h.textContent = 'Add ' + type;
        d.appendChild(h);
        var canCreate = type === 'person' || type === 'organization';
        var input = document.createElement('input');
        if (canCreate) {
          input.value = prefill.name || '';
          input.placeholder = 'Name';
          input.setAttribute('aria-label', 'Name');
          d.appendChild(input);
        } else {
          var p = document.createElement('p');
          p.textContent = 'Adding a ' + type + ' is not emulated in the sandbox.';
          d.appendChild(p);
        }
        var row = document.createElement('div');
        row.className = 'row';
        row.style.marginTop = '12px';
        row.appendChild(button('Cancel', 'secondary', function () { d.close(); }));
        if (canCreate) {
          row.appendChild(button('Save', '', function () {
            fetch(config.base + '/_host/quick-add', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: type, name: input.value }) })
              .then(function (r) { return r.json().then(function (body) { if (!r.ok) throw new Error(body.error || 'Could not save'); return body; }); })
              .then(function (body) { result = { status: 'submitted', id: body.id }; d.close(); }, function (err) { toast(err.message); });
          }));
        }
        d.appendChild(row);
        d.addEventListener('close', function () { resolve(result); });
      });
    });
  }

  function customModal(opener, args) {
    return fetch(config.base + '/_host/surfaces', {
      method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'custom_modal', actionId: args.action_id, data: args.data, parent: opener.id })
    })
      .then(function (r) { if (!r.ok) throw new Error('Could not open the modal'); return r.json(); })
      .then(function (info) {
        return new Promise(function (resolve) {
          var modal;
          var d = dialog(function (el) {
            el.className = 'custom-modal';
            var bar = document.createElement('div');
            bar.style.cssText = 'display:flex;justify-content:flex-end;padding:6px';
            bar.appendChild(button('✕', 'secondary', function () { push(modal, 'close_custom_modal', undefined); el.close(); }));
            el.appendChild(bar);
            var wrap = document.createElement('div');
            wrap.className = 'surface';
            var iframe = document.createElement('iframe');
            iframe.dataset.surfaceId = info.id;
            iframe.dataset.surfaceKind = 'custom_modal';
            iframe.title = 'Synclane';
            iframe.src = info.src;
            wrap.appendChild(iframe);
            el.appendChild(wrap);
            modal = register(iframe);
          });
          modal.dialog = d;
          d.addEventListener('close', function () {
            clearTimeout(modal.timer);
            delete surfaces[modal.id];
            resolve({ status: 'closed' });
          });
        });
      });
  }

  function redirectTo(args) {
    var view = args && args.view;
    var id = args && args.id;
    var paths = { deals: '/deals', organizations: '/organizations', contacts: '/persons' };
    var url;
    if (view === 'settings') {
      url = config.base + '/settings/marketplace/app/' + encodeURIComponent(config.clientId) + '/app-settings';
      var context = (args && args.context) || {};
      var query = Object.keys(context).map(function (k) { return encodeURIComponent(k) + '=' + encodeURIComponent(String(context[k])); }).join('&');
      if (query) url += '?' + query;
    } else if (paths[view]) {
      url = config.base + paths[view] + (id ? '/' + encodeURIComponent(id) : '');
    } else {
      url = config.base;
    }
    setTimeout(function () { window.location.assign(url); }, 0);
  }

  // ── commands ─────────────────────────────────────────────────────────────────────────────────
  function handle(surface, command, args) {
    switch (command) {
      case 'initialize':
        surface.ready = true;
        clearTimeout(surface.timer);
        surface.iframe.dataset.ready = 'true';
        applySize(surface, args && args.size);
        return undefined;
      case 'resize':
        applySize(surface, args);
        return undefined;
      case 'get_signed_token':
        return fetch(config.base + '/_host/token?surface=' + encodeURIComponent(surface.id), { credentials: 'same-origin' })
          .then(function (r) { if (!r.ok) throw new Error('Could not get a signed token'); return r.json(); })
          .then(function (body) { return { token: body.token }; });
      case 'show_snackbar':
        toast((args && args.message) || '', args && args.link);
        return undefined;
      case 'show_confirmation':
        return confirmDialog(args);
      case 'open_modal':
        if (args && args.type === 'custom_modal') return customModal(surface, args);
        if (args && args.type === 'json_modal') { toast('JSON modals are not emulated'); return { status: 'closed' }; }
        return entityModal(args || {});
      case 'close_modal':
        if (surface.dialog) surface.dialog.close();
        return undefined;
      case 'redirect_to':
        redirectTo(args);
        return undefined;
      case 'set_notification':
        var badge = document.getElementById('pd-notification');
        var number = Number(args && args.number) || 0;
        badge.hidden = number <= 0;
        badge.textContent = number > 0 ? String(number) : '';
        return undefined;
      case 'set_focus_mode':
        document.body.classList.toggle('focus-mode', args === true);
        return undefined;
      case 'get_metadata':
        return { windowHeight: window.innerHeight, windowWidth: window.innerWidth };
      case 'show_floating_window':
      case 'hide_floating_window':
        log(command + ' (no floating window registered for this app)', args);
        return undefined;
      default:
        log('unknown command ' + command);
        return {};
    }
  }

  window.addEventListener('message', function (event) {
    var message = event.data;
    if (!message || typeof message !== 'object' || !message.payload || typeof message.id !== 'string') return;
    var surface = surfaces[message.id];
    if (!surface || event.source !== surface.iframe.contentWindow) return;
    var payload = message.payload;
    var port = event.ports && event.ports[0];
    if (payload.type === 'command') {
      if (!port) return;
      Promise.resolve()
        .then(function () { return handle(surface, payload.command, payload.args); })
        .then(function (data) { port.postMessage({ data: data }); },
              function (error) { port.postMessage({ error: String((error && error.message) || error) }); });
    } else if (payload.type === 'listener') {
      if (!port) return;
      (surface.listeners[payload.event] = surface.listeners[payload.event] || []).push(port);
    } else if (payload.type === 'track') {
      log('track', payload.event, surface.id);
    }
  });

  window.addEventListener('pd-theme-change', function (event) {
    var theme = event.detail.theme;
    Object.keys(surfaces).forEach(function (id) {
      var iframe = surfaces[id].iframe;
      iframe.dataset.theme = theme;
    });
    pushAll('user_settings_change', { theme: theme });
  });

  document.querySelectorAll('.app-panel > header').forEach(function (header) {
    header.addEventListener('click', function () {
      var body = header.nextElementSibling;
      var visible = body.hidden;
      body.hidden = !visible;
      header.setAttribute('aria-expanded', String(visible));
      var iframe = body.querySelector('iframe[data-surface-id]');
      if (iframe && surfaces[iframe.dataset.surfaceId]) push(surfaces[iframe.dataset.surfaceId], 'visibility', { is_visible: visible, context: { invoker: 'user' } });
    });
  });
})();
`;
