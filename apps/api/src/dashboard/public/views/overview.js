// @ts-check
import { JOB_STATUSES } from '../lib/constants.js';
import { errorBox, h, replace, statusBadge } from '../lib/dom.js';
import { formatTime } from '../lib/format.js';
import { every } from '../lib/poll.js';
import { routeHash } from '../lib/routes.js';

/** How often the counts refresh while the view is open. */
const REFRESH_MS = 5_000;

/**
 * @typedef {object} JobSummary  `GET /api/v1/jobs/summary`
 * @property {number} total
 * @property {Record<string, number>} byStatus
 * @property {Record<string, number>} byJobType
 * @property {Record<string, Record<string, number>>} byJobTypeAndStatus
 */

/**
 * Counts of the tenant's jobs by status and by job type, refreshed every few seconds.
 * @type {import('../app.js').View}
 */
export function overviewView(ctx, main) {
  const auto = h('input', { type: 'checkbox', id: 'auto-refresh', checked: true });
  const updated = h('span', { class: 'muted', id: 'overview-updated' });
  const body = h('div', { id: 'overview-body' }, h('p', { class: 'muted' }, 'Loading counts…'));
  replace(
    main,
    h('div', { class: 'view-head' }, h('h1', { tabindex: '-1' }, 'Overview'), h('div', { class: 'toolbar' }, h('label', { for: 'auto-refresh' }, auto, ' Auto-refresh'), updated)),
    body,
  );

  const load = async () => {
    if (!auto.checked) return;
    try {
      /** @type {JobSummary} */
      const summary = await ctx.api.get('jobs/summary');
      replace(body, renderSummary(summary, ctx.tenant));
      updated.textContent = `Updated ${formatTime(new Date().toISOString())}`;
    } catch (err) {
      replace(body, errorBox(err));
    }
  };
  auto.addEventListener('change', () => void load());
  return every(REFRESH_MS, load);
}

/**
 * @param {JobSummary} s
 * @param {string} tenant
 */
function renderSummary(s, tenant) {
  const types = Object.keys(s.byJobType ?? {});
  return [
    h('p', { class: 'lead' }, h('strong', { id: 'total-jobs' }, String(s.total)), ` jobs of tenant ${tenant}.`),
    h('h2', {}, 'By status'),
    h(
      'ul',
      { class: 'status-cards', 'aria-label': 'Jobs by status' },
      JOB_STATUSES.map((status) =>
        h(
          'li',
          { 'data-status': status },
          h('a', { href: routeHash('jobs', { query: { status } }) }, h('span', { class: 'count' }, String(s.byStatus?.[status] ?? 0)), statusBadge(status)),
        ),
      ),
    ),
    h('h2', {}, 'By job type'),
    types.length === 0
      ? h('p', { class: 'muted' }, 'No jobs yet.')
      : h(
          'table',
          { class: 'data', id: 'by-job-type' },
          h('caption', { class: 'visually-hidden' }, 'Jobs by job type and status'),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Job type'), h('th', { scope: 'col', class: 'num' }, 'Jobs'), h('th', { scope: 'col' }, 'By status'))),
          h(
            'tbody',
            {},
            types.map((type) =>
              h(
                'tr',
                { 'data-job-type': type },
                h('th', { scope: 'row' }, h('a', { href: routeHash('jobs', { query: { jobType: type } }) }, type)),
                h('td', { class: 'num' }, String(s.byJobType[type])),
                h(
                  'td',
                  { class: 'breakdown' },
                  JOB_STATUSES.filter((st) => (s.byJobTypeAndStatus?.[type]?.[st] ?? 0) > 0).map((st) =>
                    h('span', { class: 'pair' }, statusBadge(st), ` ${s.byJobTypeAndStatus[type][st]}`),
                  ),
                ),
              ),
            ),
          ),
        ),
  ];
}
