// What runs in the browser: the page's script and style, served as hashed assets next to GraphiQL's
// (no inline script, so the page's Content-Security-Policy allows only same-origin scripts). Kept as
// strings in a module rather than as files so that a compiled build (dist/) carries them too, and so
// that they change without rebuilding GraphiQL's bundle (scripts/build-graphiql.mjs), whose globals
// `React`, `ReactDOM.createRoot` and `GraphiQL` the script uses.
//
// The page loads this script before GraphiQL's bundle, so that its requests run while the bundle
// downloads and parses; it renders GraphiQL once both are done (DOMContentLoaded). In order:
//  1. the token: the page's own (demo mode and tests), the one this browser tab entered before
//     (sessionStorage), or asked for in a small form before GraphiQL opens, so that the schema is
//     fetched with it and the Docs pane never starts on "Error fetching schema";
//  2. with that token, together: the caller's role (`viewer { role }`), and on a first visit (no
//     tabs saved) an app with data for the examples (`AppsWithLinks`: the first app with short
//     links); a 401 on either sends it back to the form. A reader's page has no mutation tabs — the
//     examples marked as mutations are left out, and so are such tabs saved by an earlier visit;
//  3. GraphiQL, whose fetcher sends `{documentId, variables}` for a trusted document's text in
//     trusted mode, and whose schema is fetched again whenever the Authorization header changes.
// Written in plain ES2020 without backticks, as it lives inside a template string here.

/** Must not contain a backtick or a dollar-brace: it is a String.raw template. */
export const PAGE_SCRIPT = String.raw`(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('graphiql-config').textContent);
  var root = document.getElementById('graphiql');
  var TOKEN_KEY = 'jiguang-gateway:graphiql-token';
  var TABS_KEY = config.storagePrefix + 'graphiql:tabState';
  var NO_APP = { appKey: '', linkKey: '', androidPackage: '' };
  /** GraphiQL's bundle has run (it comes after this script): resolved at DOMContentLoaded. */
  var bundleLoaded = new Promise(function (resolve) {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', function () { resolve(); });
    else resolve();
  });

  function session(action, value) {
    try {
      if (action === 'get') return sessionStorage.getItem(TOKEN_KEY) || '';
      if (action === 'set') sessionStorage.setItem(TOKEN_KEY, value);
      if (action === 'remove') sessionStorage.removeItem(TOKEN_KEY);
    } catch (e) {
      // storage disabled: the token lives as long as the page
    }
    return '';
  }

  function hasSavedTabs() {
    try {
      return Boolean(localStorage.getItem(TABS_KEY));
    } catch (e) {
      return false;
    }
  }

  /** A tab the examples mark as a mutation on its first line (examples.ts, trusted.ts). */
  function isMutationTab(query) {
    return String(query || '').indexOf(config.mutationMark) === 0;
  }

  /** Takes the marked mutation tabs out of the tabs GraphiQL saved (a visit with another token); the user's own tabs stay. */
  function dropSavedMutationTabs() {
    try {
      var state = JSON.parse(localStorage.getItem(TABS_KEY) || 'null');
      if (!state || !Array.isArray(state.tabs)) return;
      var kept = state.tabs.filter(function (tab) {
        return !isMutationTab(tab && tab.query);
      });
      if (kept.length === state.tabs.length) return;
      if (kept.length === 0) return localStorage.removeItem(TABS_KEY);
      state.activeTabIndex = Math.max(0, kept.indexOf(state.tabs[state.activeTabIndex]));
      state.tabs = kept;
      localStorage.setItem(TABS_KEY, JSON.stringify(state));
    } catch (e) {
      // storage disabled or not GraphiQL's: nothing saved to change
    }
  }

  /** GraphiQL's storage under a namespace, as @graphiql/toolkit's createLocalStorage: trusted mode keeps tabs of its own. */
  function namespacedStorage(prefix) {
    function keys() {
      var found = [];
      for (var i = 0; i < localStorage.length; i++) {
        var key = localStorage.key(i);
        if (key !== null && key.indexOf(prefix) === 0) found.push(key);
      }
      return found;
    }
    return {
      getItem: function (key) {
        return localStorage.getItem(prefix + key);
      },
      setItem: function (key, value) {
        localStorage.setItem(prefix + key, value);
      },
      removeItem: function (key) {
        localStorage.removeItem(prefix + key);
      },
      clear: function () {
        keys().forEach(function (key) {
          localStorage.removeItem(key);
        });
      },
      get length() {
        return keys().length;
      },
    };
  }

  function headersFor(token) {
    return token ? JSON.stringify({ authorization: 'Bearer ' + token }, null, 2) : '';
  }

  /** The Authorization value of the Headers editor's text; undefined while it is not valid JSON. */
  function authorizationOf(text) {
    var parsed;
    try {
      parsed = text.trim() === '' ? {} : JSON.parse(text);
    } catch (e) {
      return undefined;
    }
    if (!parsed || typeof parsed !== 'object') return undefined;
    for (var key in parsed) {
      if (key.toLowerCase() === 'authorization' && typeof parsed[key] === 'string') return parsed[key].trim();
    }
    return '';
  }

  /** A query's text without its leading comment lines: what trusted documents are matched on. */
  function bare(query) {
    var lines = String(query || '').split('\n');
    var i = 0;
    while (i < lines.length && /^\s*(#.*)?$/.test(lines[i])) i++;
    return lines.slice(i).join('\n').trim();
  }

  /** In trusted mode, a trusted document goes by its id (GraphQL over HTTP, persisted documents). */
  function payloadOf(params) {
    if (config.mode !== 'trusted') return params;
    var id = params.operationName === 'IntrospectionQuery' && config.introspectionId ? config.introspectionId : config.trustedIds[bare(params.query)];
    if (!id) return params; // not a trusted document: the gateway says so (PERSISTED_DOCUMENT_REQUIRED)
    var payload = { documentId: id };
    if (params.operationName) payload.operationName = params.operationName;
    if (params.variables) payload.variables = params.variables;
    return payload;
  }

  function post(payload, headers) {
    return fetch(config.graphqlPath, {
      method: 'POST',
      headers: Object.assign({ 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' }, headers),
      body: JSON.stringify(payload),
    }).then(function (response) {
      return response.text().then(function (text) {
        try {
          return { status: response.status, json: JSON.parse(text) };
        } catch (e) {
          return { status: response.status, json: { errors: [{ message: 'HTTP ' + response.status + ': ' + text.slice(0, 200) }] } };
        }
      });
    });
  }

  function createFetcher() {
    return function (params, options) {
      return post(payloadOf(params), (options && options.headers) || {}).then(function (r) {
        return r.json;
      });
    };
  }

  /** The caller's role ('ADMIN', 'READER'), or '' when the gateway does not say (the page then hides nothing). */
  function askRole(token) {
    if (!config.viewer) return Promise.resolve({ status: 0, role: '' });
    return post(config.viewer, { authorization: 'Bearer ' + token }).then(
      function (r) {
        var viewer = r.json && r.json.data && r.json.data.viewer;
        return { status: r.status, role: viewer && typeof viewer.role === 'string' ? viewer.role : '' };
      },
      function () {
        return { status: 0, role: '' };
      },
    );
  }

  /** The first app (of those the token may use) that has short links, with its first link. */
  function findExampleApp(token) {
    var fallback = { appKey: config.exampleApp || '', linkKey: '', androidPackage: '' };
    if (!config.probe) return Promise.resolve({ status: 0, app: fallback });
    return post(config.probe, { authorization: 'Bearer ' + token }).then(
      function (r) {
        var apps = r.json && r.json.data && r.json.data.apps;
        if (!Array.isArray(apps) || apps.length === 0) return { status: r.status, app: fallback };
        var withLinks = apps.find(function (a) {
          return a.shortLinks && a.shortLinks.totalCount > 0 && a.shortLinks.nodes.length > 0;
        });
        var chosen = withLinks || apps[0];
        return { status: r.status, app: { appKey: chosen.appKey, androidPackage: chosen.androidPackage || '', linkKey: withLinks ? withLinks.shortLinks.nodes[0].key : '' } };
      },
      function () {
        return { status: 0, app: fallback };
      },
    );
  }

  function askForToken(message) {
    return new Promise(function (resolve) {
      root.textContent = '';
      var form = document.createElement('form');
      form.className = 'gw-token';
      var title = document.createElement('h1');
      title.textContent = 'jiguang-gateway · GraphiQL';
      var text = document.createElement('p');
      text.textContent = 'Every request needs a bearer token. It stays in this browser tab (sessionStorage) and goes into the Headers of your GraphiQL tabs. Without one, put {"authorization": "Bearer <token>"} into the Headers later: the schema is fetched then.';
      var label = document.createElement('label');
      label.textContent = 'Token';
      var input = document.createElement('input');
      input.type = 'password';
      input.name = 'token';
      input.autocomplete = 'off';
      input.required = true;
      label.appendChild(input);
      var error = document.createElement('p');
      error.className = 'gw-error';
      error.setAttribute('role', 'alert');
      error.textContent = message || '';
      var open = document.createElement('button');
      open.type = 'submit';
      open.textContent = 'Open GraphiQL';
      var skip = document.createElement('button');
      skip.type = 'button';
      skip.className = 'gw-skip';
      skip.textContent = 'Continue without a token';
      form.append(title, text, label, error, open, skip);
      root.appendChild(form);
      input.focus();
      form.addEventListener('submit', function (event) {
        event.preventDefault();
        resolve(input.value.trim().replace(/^Bearer\s+/i, ''));
      });
      skip.addEventListener('click', function () {
        resolve('');
      });
    });
  }

  /** The tabs with the example app's values in place of the placeholders. */
  function fill(tabs, app, headers) {
    var values = { '$appKey': app.appKey, '$linkKey': app.linkKey, '$androidPackage': app.androidPackage };
    return tabs.map(function (tab) {
      var variables = tab.variables === undefined ? null : JSON.stringify(tab.variables, function (key, value) {
        return typeof value === 'string' && Object.prototype.hasOwnProperty.call(values, value) ? values[value] : value;
      }, 2);
      return { query: tab.query, variables: variables, headers: headers || null };
    });
  }

  function mount(token, app, role) {
    var headers = headersFor(token);
    var offered = role === 'READER' ? config.tabs.filter(function (tab) {
      return !isMutationTab(tab.query);
    }) : config.tabs;
    var tabs = fill(offered, app, headers);
    var storage = config.storagePrefix ? namespacedStorage(config.storagePrefix) : undefined;
    var h = React.createElement;
    function Page() {
      var state = React.useState(token ? 'Bearer ' + token : '');
      var auth = state[0];
      var setAuth = state[1];
      // A new fetcher makes GraphiQL introspect again: once per Authorization value.
      var fetcher = React.useMemo(createFetcher, [auth]);
      var timer = React.useRef(0);
      var onEditHeaders = React.useCallback(function (text) {
        clearTimeout(timer.current);
        // After typing pauses, so that a token typed in is not tried at every keystroke.
        timer.current = setTimeout(function () {
          var value = authorizationOf(text);
          if (value !== undefined) setAuth(value);
        }, 400);
      }, []);
      // No token, no introspection (it could only fail); without introspection at all, no schema.
      var schema = config.introspection && auth ? undefined : null;
      return h(GraphiQL, {
        fetcher: fetcher,
        schema: schema,
        storage: storage,
        defaultTabs: tabs,
        defaultHeaders: headers,
        defaultEditorToolsVisibility: true,
        onEditHeaders: onEditHeaders,
      });
    }
    root.textContent = '';
    root.className = config.introspection ? 'gw-' + config.mode : 'gw-' + config.mode + ' gw-no-schema';
    ReactDOM.createRoot(root).render(h(Page));
  }

  function start(token, message) {
    var typed = false;
    var next = token ? Promise.resolve(token) : askForToken(message).then(function (t) {
      typed = true;
      return t;
    });
    next.then(function (t) {
      if (!t) return bundleLoaded.then(function () {
        mount('', { appKey: config.exampleApp || '', linkKey: '', androidPackage: '' }, '');
      });
      // Saved tabs are restored as they were: the examples (and so the probe) matter on a first visit.
      var saved = !typed && hasSavedTabs();
      Promise.all([askRole(t), saved ? null : findExampleApp(t)]).then(function (answers) {
        var role = answers[0];
        var found = answers[1];
        if ((role.status === 401 || (found && found.status === 401)) && !config.token) {
          session('remove');
          return start('', 'The gateway refused this token (HTTP 401): check it and try again.');
        }
        if (!config.token) session('set', t);
        if (role.role === 'READER') dropSavedMutationTabs();
        // Only mutation tabs were saved: the examples again, on an app with data.
        var app = found ? Promise.resolve(found) : hasSavedTabs() ? Promise.resolve({ app: NO_APP }) : findExampleApp(t);
        return Promise.all([app, bundleLoaded]).then(function (ready) {
          mount(t, ready[0].app, role.role);
        });
      });
    });
  }

  start(config.token || session('get'), '');
})();
`;

export const PAGE_STYLE = `body { margin: 0; height: 100vh; }
#graphiql { height: 100vh; }
.gw-token { box-sizing: border-box; max-width: 36rem; margin: 12vh auto 0; padding: 0 1.5rem; font: 16px/1.5 system-ui, sans-serif; color: #1b2240; }
.gw-token h1 { font-size: 1.4rem; }
.gw-token label { display: block; font-weight: 600; }
.gw-token input { display: block; box-sizing: border-box; width: 100%; margin-top: 0.3rem; padding: 0.45rem; font: inherit; }
.gw-token button { margin-right: 0.8rem; padding: 0.4rem 0.9rem; font: inherit; cursor: pointer; }
.gw-token .gw-skip { background: none; border: none; text-decoration: underline; }
.gw-token .gw-error { min-height: 1.5em; color: #b00020; }
/* Without introspection there is no schema: no Docs pane, no re-fetch button, rather than an empty pane. */
.gw-no-schema .graphiql-sidebar button[aria-label$="Documentation Explorer"],
.gw-no-schema .graphiql-sidebar button[aria-label="Re-fetch GraphQL schema"] { display: none; }
`;
