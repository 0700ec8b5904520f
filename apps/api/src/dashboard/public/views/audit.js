// @ts-check
import { errorBox, h, replace } from '../lib/dom.js';
import { formatTime, shortId } from '../lib/format.js';
import { routeHash } from '../lib/routes.js';

/**
 * The tenant's audit log, newest first: who did what to which target, and why (`X-Orch-Reason`).
 * Filters and the page live in the route like the jobs list.
 * @type {import('../app.js').View}
 */
export function auditView(ctx, main, route) {
  const q = route.query;
  const action = h('input', { id: 'audit-action', name: 'action', value: q.action ?? '', placeholder: 'e.g. job.cancel', autocomplete: 'off' });
  const target = h('input', { id: 'audit-target', name: 'targetId', value: q.targetId ?? '', placeholder: 'a job id', autocomplete: 'off' });
  /** @param {Record<string, string | undefined>} extra */
  const go = (extra) => ctx.navigate(routeHash('audit', { query: { action: action.value.trim(), targetId: target.value.trim(), ...extra } }));
  const results = h('div', { id: 'audit-results', 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Loading the audit log…'));
  replace(
    main,
    h('div', { class: 'view-head' }, h('h1', { tabindex: '-1' }, 'Audit log')),
    h(
      'form',
      {
        class: 'filters',
        role: 'search',
        'aria-label': 'Filter the audit log',
        onsubmit: (/** @type {SubmitEvent} */ e) => {
          e.preventDefault();
          go({});
        },
      },
      h('div', { class: 'field' }, h('label', { for: 'audit-action' }, 'Action'), action),
      h('div', { class: 'field' }, h('label', { for: 'audit-target' }, 'Target id'), target),
      h('button', { type: 'submit', class: 'primary' }, 'Apply'),
      h('button', { type: 'button', onclick: () => ctx.navigate(routeHash('audit')) }, 'Clear'),
    ),
    results,
  );

  let stopped = false;
  const query = Object.fromEntries(Object.entries(q).filter(([k]) => ['action', 'targetId', 'page_token'].includes(k)));
  ctx.api
    .get('audit', { page_size: 50, ...query })
    .then((/** @type {{ items: any[], next_page_token: string | null }} */ page) => {
      if (stopped) return;
      replace(
        results,
        page.items.length === 0 ? h('p', { class: 'muted' }, 'No audit entries match.') : auditTable(page.items),
        h(
          'div',
          { class: 'pager' },
          q.page_token ? h('button', { type: 'button', onclick: () => go({ page_token: undefined }) }, '« Newest') : null,
          page.next_page_token ? h('button', { type: 'button', onclick: () => go({ page_token: page.next_page_token ?? undefined }) }, 'Next page ›') : null,
        ),
      );
    })
    .catch((err) => {
      if (!stopped) replace(results, errorBox(err));
    });
  return () => {
    stopped = true;
  };
}

/** @param {any[]} entries  AuditEntryView objects */
function auditTable(entries) {
  return h(
    'table',
    { class: 'data', id: 'audit-table' },
    h('caption', { class: 'visually-hidden' }, 'Audit entries, newest first'),
    h('thead', {}, h('tr', {}, ['Time', 'Actor', 'Action', 'Target', 'Reason', 'Ticket', 'Change'].map((c) => h('th', { scope: 'col' }, c)))),
    h(
      'tbody',
      {},
      entries.map((a) =>
        h(
          'tr',
          { 'data-action': a.action, 'data-target-id': a.targetId },
          h('td', {}, h('time', { datetime: a.occurredAt }, formatTime(a.occurredAt))),
          h('td', { class: 'nowrap' }, a.actor?.subject ?? '?'),
          h('td', {}, a.action),
          h(
            'td',
            {},
            `${a.targetType} `,
            a.targetType === 'job' ? h('a', { href: routeHash('job', { id: a.targetId }), class: 'mono', title: a.targetId }, shortId(a.targetId)) : h('span', { class: 'mono' }, a.targetId),
          ),
          h('td', { class: 'reason' }, a.reason),
          h('td', {}, a.ticket ?? '—'),
          h('td', {}, change(a.before, a.after)),
        ),
      ),
    ),
  );
}

/**
 * `running → canceled` when the entry has statuses, plus the names of other fields that changed.
 * @param {Record<string, unknown> | null} before
 * @param {Record<string, unknown> | null} after
 */
function change(before, after) {
  const b = before ?? {};
  const a = after ?? {};
  const changed = Object.keys({ ...b, ...a }).filter((k) => k !== 'status' && JSON.stringify(b[k]) !== JSON.stringify(a[k]));
  const status = 'status' in b || 'status' in a ? `${b.status ?? '∅'} → ${a.status ?? '∅'}` : '';
  return [status, changed.length ? `${status ? ' ' : ''}(${changed.join(', ')})` : ''].join('') || 'no change';
}
