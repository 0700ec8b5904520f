// @ts-check
// The Orch operator dashboard: sign-in, the header, and hash routing to the views.
import { apiBaseUrl, parseRoute } from './lib/routes.js';
import { createApi, ApiError } from './lib/api.js';
import { h, replace } from './lib/dom.js';
import { cleanToken, decodeJwtPayload, isExpired, principalFromClaims, takeFragmentToken } from './lib/token.js';
import { formatTime } from './lib/format.js';
import { describeProblem } from './lib/problem.js';
import { signInView } from './views/signin.js';
import { overviewView } from './views/overview.js';
import { jobsView } from './views/jobs.js';
import { jobView } from './views/job-detail.js';
import { liveView } from './views/live.js';
import { auditView } from './views/audit.js';

/**
 * What every view gets.
 * @typedef {object} AppContext
 * @property {import('./lib/api.js').Api} api
 * @property {import('./lib/token.js').Principal} principal
 * @property {string} token
 * @property {string} tenant        the tenant the dashboard acts for
 * @property {string} eventsUrl     `config.json`'s event-notifier base
 * @property {(hash: string) => void} navigate
 */

/** @typedef {(ctx: AppContext, main: HTMLElement, route: import('./lib/routes.js').Route) => (() => void) | void} View */

const TOKEN_KEY = 'orch.dashboard.token';
const TENANT_KEY = 'orch.dashboard.tenant';

/** @type {Record<string, { title: string, view: View }>} */
const VIEWS = {
  overview: { title: 'Overview', view: overviewView },
  jobs: { title: 'Jobs', view: jobsView },
  job: { title: 'Job', view: jobView },
  live: { title: 'Live events', view: liveView },
  audit: { title: 'Audit', view: auditView },
};

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const nav = /** @type {HTMLElement} */ (document.getElementById('nav'));
const who = /** @type {HTMLElement} */ (document.getElementById('who'));

/** @type {AppContext | null} */
let ctx = null;
/** @type {(() => void) | void} */
let cleanup;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let expiryTimer;
let eventsUrl = '';

async function start() {
  eventsUrl = await loadEventsUrl();
  const { token, rest } = takeFragmentToken(location.hash);
  if (token !== null) {
    // Read once: the token leaves the address bar (and so the history) at once.
    history.replaceState(null, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
    await signIn(token);
  } else {
    const stored = sessionStorage.getItem(TOKEN_KEY);
    if (stored) await signIn(stored);
    else showSignIn();
  }
  window.addEventListener('hashchange', () => render(true));
}

async function loadEventsUrl() {
  try {
    const res = await fetch('config.json', { cache: 'no-store' });
    const body = await res.json();
    return typeof body.eventsUrl === 'string' ? body.eventsUrl : '';
  } catch {
    return '';
  }
}

/**
 * Checks a token (shape, expiry, then one API call) and enters the app, or shows why not.
 * @param {string} raw
 */
async function signIn(raw) {
  const token = cleanToken(raw);
  let principal;
  try {
    principal = principalFromClaims(decodeJwtPayload(token));
  } catch (err) {
    return showSignIn(err instanceof Error ? err.message : String(err));
  }
  if (isExpired(principal, Date.now())) return showSignIn(`This token expired at ${formatTime(new Date(principal.expiresAt ?? 0).toISOString())}.`);
  if (principal.tenants.length === 0) return showSignIn('This token names no tenant (claim tenant or tenants).');
  const saved = sessionStorage.getItem(TENANT_KEY);
  const tenant = saved && principal.tenants.includes(saved) ? saved : principal.tenants[0];
  const candidate = makeContext(token, principal, tenant);
  try {
    await candidate.api.get('jobs', { page_size: 1 });
  } catch (err) {
    const p = err instanceof ApiError ? err.problem : null;
    // 401/403: the token is no good here. Anything else (429, 503, network) says nothing about it.
    if (p && (p.status === 401 || p.status === 403)) return showSignIn(describeProblem(p));
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  ctx = candidate;
  clearTimeout(expiryTimer);
  if (principal.expiresAt !== null) {
    expiryTimer = setTimeout(() => signOut('Your token expired; sign in with a fresh one.'), Math.min(principal.expiresAt - Date.now(), 2 ** 31 - 1));
  }
  renderWho();
  nav.hidden = false;
  render(false);
}

/**
 * @param {string} token
 * @param {import('./lib/token.js').Principal} principal
 * @param {string} tenant
 * @returns {AppContext}
 */
function makeContext(token, principal, tenant) {
  return {
    token,
    principal,
    tenant,
    eventsUrl,
    api: createApi({
      baseUrl: apiBaseUrl(location.href),
      token,
      // A token of one tenant needs no header; of several, the header picks one.
      ...(principal.tenants.length > 1 ? { tenant } : {}),
      onUnauthorized: (p) => signOut(`The API refused the token: ${describeProblem(p)}`),
    }),
    navigate: (hash) => {
      location.hash = hash;
    },
  };
}

/**
 * @param {string} [message]  why (an error), or nothing for a sign-out the operator asked for
 */
function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  clearTimeout(expiryTimer);
  ctx = null;
  if (message) showSignIn(message);
  else showSignIn(undefined, 'Signed out. The token was removed from this tab.');
}

/**
 * @param {string} [message]  an error
 * @param {string} [notice]
 */
function showSignIn(message, notice) {
  cleanup?.();
  cleanup = undefined;
  nav.hidden = true;
  who.hidden = true;
  document.title = 'Sign in · Orch';
  signInView(main, { message, notice, onToken: (token) => void signIn(token) });
}

function renderWho() {
  if (!ctx) return;
  const { principal, tenant } = ctx;
  const tenantPart =
    principal.tenants.length > 1
      ? h(
          'label',
          { class: 'tenant-select' },
          'Tenant ',
          h(
            'select',
            { id: 'tenant', onchange: (/** @type {Event} */ e) => switchTenant(/** @type {HTMLSelectElement} */ (e.target).value) },
            principal.tenants.map((t) => h('option', { value: t, selected: t === tenant }, t)),
          ),
        )
      : h('span', {}, 'Tenant ', h('strong', { id: 'who-tenant' }, tenant));
  replace(
    who,
    tenantPart,
    h('span', { class: 'who-subject', title: 'token subject' }, principal.subject),
    h('span', { class: 'scopes', 'aria-label': 'scopes' }, principal.scopes.map((s) => h('span', { class: 'scope' }, s))),
    h('button', { type: 'button', class: 'link-button', onclick: () => signOut() }, 'Sign out'),
  );
  who.hidden = false;
}

/** @param {string} tenant */
function switchTenant(tenant) {
  if (!ctx) return;
  sessionStorage.setItem(TENANT_KEY, tenant);
  ctx = makeContext(ctx.token, ctx.principal, tenant);
  render(false);
}

/** @param {boolean} moveFocus  after a navigation, focus goes to the new view's heading */
function render(moveFocus) {
  if (!ctx) return;
  cleanup?.();
  const route = parseRoute(location.hash);
  const entry = VIEWS[route.name];
  for (const a of nav.querySelectorAll('a')) {
    const active = a.dataset.route === route.name || (route.name === 'job' && a.dataset.route === 'jobs');
    if (active) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!entry) {
    document.title = 'Not found · Orch';
    replace(main, h('h1', { tabindex: '-1' }, 'Not found'), h('p', {}, 'No such page. ', h('a', { href: '#/overview' }, 'Go to the overview.')));
    cleanup = undefined;
  } else {
    document.title = `${entry.title} · Orch`;
    main.replaceChildren();
    cleanup = entry.view(ctx, main, route);
  }
  if (moveFocus) /** @type {HTMLElement | null} */ (main.querySelector('h1'))?.focus();
}

void start();
