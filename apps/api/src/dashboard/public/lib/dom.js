// @ts-check
// A tiny element builder. Text always goes in as text nodes (never innerHTML): job payloads,
// log lines and error details come from other people.
import { ApiError } from './api.js';

/**
 * @typedef {string | number | Node | null | undefined | false | any[]} Child  (arrays nest)
 */

/**
 * `h('a', { href: '#/jobs', class: 'x', onclick: fn }, 'text', child)`. Attributes starting with
 * `on` become listeners; `true` sets a boolean attribute; `false`/null/undefined leave it out.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, unknown>} [attrs]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), /** @type {EventListener} */ (value));
    else if (name === 'value' && 'value' in el) /** @type {HTMLInputElement} */ (el).value = String(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/**
 * @param {Node} parent
 * @param {Child[]} children
 */
function append(parent, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(parent, c);
    else parent.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
}

/**
 * Replaces an element's content.
 * @param {Element} el
 * @param {...Child} children
 */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/**
 * A status badge (`<span class="badge status-running">running</span>`).
 * @param {string} status
 */
export function statusBadge(status) {
  return h('span', { class: `badge status-${status}` }, status);
}

/**
 * An error box (role=alert) for anything a view caught: title, detail, code, per-field problems and
 * Retry-After for an API problem; the message otherwise.
 * @param {unknown} err
 */
export function errorBox(err) {
  if (!(err instanceof ApiError)) {
    return h('div', { class: 'error', role: 'alert' }, h('strong', {}, 'Something went wrong'), ' ', err instanceof Error ? err.message : String(err));
  }
  const p = err.problem;
  return h(
    'div',
    { class: 'error', role: 'alert', 'data-code': p.code },
    h('strong', { class: 'error-title' }, p.title),
    ' ',
    h('span', { class: 'error-code' }, p.status ? `${p.status} · ${p.code}` : p.code),
    p.detail ? h('p', { class: 'error-detail' }, p.detail) : null,
    p.errors?.length ? h('ul', {}, p.errors.map((e) => h('li', {}, e.path ? `${e.path}: ${e.message}` : e.message))) : null,
    p.retryAfterSeconds !== undefined
      ? h('p', { class: 'error-retry' }, `${p.status === 429 ? 'Rate limited: retry' : 'Retry'} after ${p.retryAfterSeconds} s.`)
      : null,
    p.traceId ? h('p', { class: 'muted' }, `trace ${p.traceId}`) : null,
  );
}

/**
 * A definition list from label/value pairs (values are children).
 * @param {[string, Child][]} rows
 */
export function facts(rows) {
  return h('dl', { class: 'facts' }, rows.map(([label, value]) => [h('dt', {}, label), h('dd', {}, value ?? '—')]));
}
