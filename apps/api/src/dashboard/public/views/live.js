// @ts-check
import { EVENT_TYPES } from '../lib/constants.js';
import { h, replace, statusBadge } from '../lib/dom.js';
import { formatTime, shortId } from '../lib/format.js';
import { routeHash, streamUrl } from '../lib/routes.js';

/** Events kept on screen (the newest). */
const MAX_EVENTS = 200;

/**
 * Survives leaving the view: coming back resumes after the last event seen (`?lastEventId=`), so
 * nothing is missed in between, and the list is still there.
 * @type {{ key: string, lastEventId: string, events: any[] }}
 */
const memory = { key: '', lastEventId: '', events: [] };

/**
 * Notifier events of the tenant as they happen: the event-notifier's SSE stream, read with
 * EventSource (which reconnects by itself, sending Last-Event-ID, so a dropped connection loses
 * nothing). Optional project and job type filters are applied by the server.
 * @type {import('../app.js').View}
 */
export function liveView(ctx, main, route) {
  const q = route.query;
  const project = h('input', { id: 'live-project', name: 'project', value: q.project ?? '', autocomplete: 'off' });
  const jobType = h('input', { id: 'live-job-type', name: 'jobType', value: q.jobType ?? '', autocomplete: 'off' });
  const state = h('p', { id: 'live-state', role: 'status', class: 'muted' }, 'Connecting…');
  const list = h('tbody', { id: 'live-events' });
  const form = h(
    'form',
    {
      class: 'filters',
      'aria-label': 'Filter live events',
      onsubmit: (/** @type {SubmitEvent} */ e) => {
        e.preventDefault();
        ctx.navigate(routeHash('live', { query: { project: project.value.trim(), jobType: jobType.value.trim() } }));
      },
    },
    h('div', { class: 'field' }, h('label', { for: 'live-project' }, 'Project'), project),
    h('div', { class: 'field' }, h('label', { for: 'live-job-type' }, 'Job type'), jobType),
    h('button', { type: 'submit', class: 'primary' }, 'Apply'),
    h(
      'button',
      {
        type: 'button',
        onclick: () => {
          memory.events = [];
          list.replaceChildren();
        },
      },
      'Clear',
    ),
  );
  replace(
    main,
    h('div', { class: 'view-head' }, h('h1', { tabindex: '-1' }, 'Live events')),
    form,
    state,
    h(
      'table',
      { class: 'data', id: 'live-table' },
      h('caption', { class: 'visually-hidden' }, 'Notifier events, newest first'),
      h('thead', {}, h('tr', {}, ['Time', 'Event', 'Job', 'Type', 'Project', 'Status', 'Attempt'].map((c) => h('th', { scope: 'col', class: c === 'Attempt' ? 'num' : undefined }, c)))),
      list,
    ),
  );

  const key = `${ctx.tenant}|${q.project ?? ''}|${q.jobType ?? ''}`;
  if (memory.key !== key) Object.assign(memory, { key, lastEventId: '', events: [] });
  list.append(...memory.events.map(row));

  const url = streamUrl(
    ctx.eventsUrl,
    'api/v1/events/stream',
    {
      access_token: ctx.token,
      tenant: ctx.principal.tenants.length > 1 ? ctx.tenant : undefined,
      project: q.project,
      jobType: q.jobType,
      lastEventId: memory.lastEventId || undefined,
    },
    location.href,
  );
  const source = new EventSource(url);
  source.addEventListener('open', () => {
    state.textContent = 'Connected: new events appear at the top.';
  });
  /** @param {Event} e */
  const onEvent = (e) => {
    const m = /** @type {MessageEvent} */ (e);
    const event = JSON.parse(m.data);
    memory.lastEventId = m.lastEventId;
    memory.events.unshift(event);
    memory.events.length = Math.min(memory.events.length, MAX_EVENTS);
    list.prepend(row(event));
    while (list.children.length > MAX_EVENTS) list.lastElementChild?.remove();
  };
  // The stream names each frame after its event type; EventSource has no catch-all listener.
  for (const type of [...EVENT_TYPES, 'message']) source.addEventListener(type, onEvent);
  source.addEventListener('error', (e) => {
    if (e instanceof MessageEvent && e.data) {
      const { code, reason } = JSON.parse(e.data);
      state.textContent = `Interrupted (${code}): ${reason}`;
    } else if (source.readyState === EventSource.CLOSED) {
      state.textContent = 'Closed: the event-notifier refused the stream (is it running, does its CORS_ORIGINS list this page, is the token still valid?). Reload to retry.';
    } else {
      state.textContent = 'Reconnecting… (events are resumed from the last one received)';
    }
  });
  return () => source.close();
}

/** @param {any} e  orch.event.v1 */
function row(e) {
  return h(
    'tr',
    { 'data-event-type': e.eventType, 'data-job-id': e.job?.id },
    h('td', {}, h('time', { datetime: e.occurredAt }, formatTime(e.occurredAt))),
    h('td', {}, e.eventType),
    h('td', {}, e.job?.id ? h('a', { href: routeHash('job', { id: e.job.id }), class: 'mono', title: e.job.id }, shortId(e.job.id)) : '—'),
    h('td', {}, e.job?.type ?? '—'),
    h('td', {}, e.projectId ?? '—'),
    h('td', {}, e.job?.status ? statusBadge(e.job.status) : '—'),
    h('td', { class: 'num' }, String(e.job?.attempt ?? '')),
  );
}
