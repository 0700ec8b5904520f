// @ts-check
import { JOB_STATUSES } from '../lib/constants.js';
import { errorBox, h, replace, statusBadge } from '../lib/dom.js';
import { formatTime, shortId } from '../lib/format.js';
import { routeHash } from '../lib/routes.js';

const PAGE_SIZES = ['20', '50', '100'];
/** The list's filters as they appear in the route (`#/jobs?status=…`). */
const FILTERS = ['status', 'jobType', 'project', 'page_size'];

/**
 * The tenant's jobs, newest first, filtered by status, job type and project, one page at a time
 * (`page_token` → `next_page_token`). Filters and the page live in the route, so a reload or a
 * shared link shows the same page and Back goes to the previous one.
 * @type {import('../app.js').View}
 */
export function jobsView(ctx, main, route) {
  const q = route.query;
  const status = h(
    'select',
    { id: 'filter-status', name: 'status' },
    h('option', { value: '' }, 'any'),
    JOB_STATUSES.map((s) => h('option', { value: s, selected: q.status === s }, s)),
  );
  const jobType = h('input', { id: 'filter-job-type', name: 'jobType', value: q.jobType ?? '', placeholder: 'e.g. demo.echo', autocomplete: 'off' });
  const project = h('input', { id: 'filter-project', name: 'project', value: q.project ?? '', placeholder: 'e.g. p1', autocomplete: 'off' });
  const pageSize = h(
    'select',
    { id: 'filter-page-size', name: 'page_size' },
    PAGE_SIZES.map((n) => h('option', { value: n, selected: (q.page_size ?? '20') === n }, n)),
  );
  /** @param {Record<string, string | undefined>} extra */
  const go = (extra) => {
    const query = { status: status.value, jobType: jobType.value.trim(), project: project.value.trim(), page_size: pageSize.value, ...extra };
    ctx.navigate(routeHash('jobs', { query }));
  };
  const form = h(
    'form',
    {
      class: 'filters',
      role: 'search',
      'aria-label': 'Filter jobs',
      onsubmit: (/** @type {SubmitEvent} */ e) => {
        e.preventDefault();
        go({});
      },
    },
    field('Status', status),
    field('Job type', jobType),
    field('Project', project),
    field('Page size', pageSize),
    h('button', { type: 'submit', class: 'primary' }, 'Apply'),
    h('button', { type: 'button', onclick: () => ctx.navigate(routeHash('jobs')) }, 'Clear'),
  );
  const results = h('div', { id: 'jobs-results', 'aria-live': 'polite', 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Loading jobs…'));
  replace(main, h('div', { class: 'view-head' }, h('h1', { tabindex: '-1' }, 'Jobs')), form, results);

  let stopped = false;
  const query = Object.fromEntries(Object.entries(q).filter(([k]) => FILTERS.includes(k) || k === 'page_token'));
  ctx.api
    .get('jobs', { page_size: '20', ...query })
    .then((/** @type {{ items: any[], next_page_token: string | null }} */ page) => {
      if (stopped) return;
      const paging = h(
        'div',
        { class: 'pager' },
        q.page_token ? h('button', { type: 'button', onclick: () => go({ page_token: undefined }) }, '« Newest') : null,
        page.next_page_token ? h('button', { type: 'button', id: 'next-page', onclick: () => go({ page_token: page.next_page_token ?? undefined }) }, 'Next page ›') : null,
      );
      replace(results, page.items.length === 0 ? h('p', { class: 'muted', id: 'no-jobs' }, 'No jobs match these filters.') : jobsTable(page.items), paging);
    })
    .catch((err) => {
      if (!stopped) replace(results, errorBox(err));
    })
    .finally(() => results.setAttribute('aria-busy', 'false'));
  return () => {
    stopped = true;
  };
}

/**
 * @param {string} label
 * @param {HTMLInputElement | HTMLSelectElement} control
 */
function field(label, control) {
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control);
}

/** @param {any[]} jobs  JobView objects */
function jobsTable(jobs) {
  return h(
    'table',
    { class: 'data', id: 'jobs-table' },
    h('caption', { class: 'visually-hidden' }, 'Jobs, newest first'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Job', 'Type', 'Project', 'Status', 'Attempt', 'Created', 'Updated'].map((c) => h('th', { scope: 'col', class: c === 'Attempt' ? 'num' : undefined }, c)),
      ),
    ),
    h(
      'tbody',
      {},
      jobs.map((j) =>
        h(
          'tr',
          { 'data-job-id': j.id, 'data-status': j.status },
          h('td', {}, h('a', { href: routeHash('job', { id: j.id }), class: 'mono', title: j.id }, shortId(j.id))),
          h('td', {}, j.jobType),
          h('td', {}, j.project),
          h('td', {}, statusBadge(j.status)),
          h('td', { class: 'num' }, `${j.attempt}/${j.maxAttempts}`),
          h('td', {}, formatTime(j.createdAt)),
          h('td', {}, formatTime(j.updatedAt)),
        ),
      ),
    ),
  );
}
