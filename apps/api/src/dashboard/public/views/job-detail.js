// @ts-check
import { isTerminal, SCOPES } from '../lib/constants.js';
import { errorBox, facts, h, replace, statusBadge } from '../lib/dom.js';
import { compactJson, formatRelative, formatTime, prettyJson } from '../lib/format.js';
import { every } from '../lib/poll.js';
import { routeHash, streamUrl } from '../lib/routes.js';
import { hasScope } from '../lib/token.js';
import { cancelDialog } from './cancel-dialog.js';

/** Refresh of state and ledger events while the job is not terminal. */
const REFRESH_MS = 2_000;
/** Log polling when the event-notifier's log stream is not available. */
const LOG_POLL_MS = 3_000;
/** Log lines kept on screen (the newest). */
const MAX_LOG_LINES = 5_000;

/**
 * One job: state, attempts, lease, progress, result and last error; its ledger events; its log
 * lines (live from the event-notifier's log stream, else polled); and, with `orch:operate`, a
 * Cancel button that asks for the reason the audit log records.
 * @type {import('../app.js').View}
 */
export function jobView(ctx, main, route) {
  const id = /** @type {string} */ (route.id);
  const title = h('h1', { tabindex: '-1' }, 'Job ', h('span', { class: 'mono' }, id));
  const statusSlot = h('span', { id: 'job-status' });
  const notice = h('p', { id: 'job-notice', role: 'status', class: 'notice' });
  const summary = h('div', { id: 'job-facts' }, h('p', { class: 'muted' }, 'Loading job…'));
  const outcome = h('div', { id: 'job-outcome' });
  const events = h('ol', { id: 'job-events', class: 'timeline', 'aria-label': 'Ledger events' });
  const logState = h('span', { id: 'log-state', class: 'muted' }, 'connecting…');
  const logs = h('pre', { id: 'job-logs', class: 'logs', tabindex: '0', 'aria-label': 'Log lines' });
  const errors = h('div', { id: 'job-error' });

  /** @type {any} the latest JobView */
  let job = null;
  let eventCount = -1;
  let stopped = false;
  /** A cancel was requested from this page and the job has not ended yet: say so when it does. */
  let awaitingEnd = false;
  /** @type {(() => void)[]} */
  const stops = [];

  const canCancel = hasScope(ctx.principal, SCOPES.operate);
  const dialog = canCancel
    ? cancelDialog(ctx, id, (message, requested) => {
        notice.textContent = message;
        awaitingEnd = requested;
        // Polling goes on while the job is not terminal (a running job ends canceled once its worker stops).
        void refresh();
      })
    : null;
  const cancelButton = dialog
    ? h('button', { type: 'button', id: 'cancel-job', class: 'danger', hidden: true, onclick: () => dialog.open() }, 'Cancel job…')
    : null;

  replace(
    main,
    h('p', {}, h('a', { href: routeHash('jobs') }, '‹ Jobs')),
    h('div', { class: 'view-head' }, title, statusSlot, h('div', { class: 'toolbar' }, cancelButton)),
    notice,
    errors,
    h('div', { class: 'columns' }, h('section', { 'aria-labelledby': 'h-state' }, h('h2', { id: 'h-state' }, 'State'), summary, outcome), h('section', { 'aria-labelledby': 'h-events' }, h('h2', { id: 'h-events' }, 'Ledger events'), events)),
    h('section', { 'aria-labelledby': 'h-logs' }, h('h2', { id: 'h-logs' }, 'Logs ', logState), logs),
    dialog?.element,
  );

  async function refresh() {
    try {
      const [j, ev] = await Promise.all([ctx.api.get(`jobs/${id}`), ctx.api.get(`jobs/${id}/events`)]);
      if (stopped) return;
      job = j;
      errors.replaceChildren();
      renderJob();
      if (ev.items.length !== eventCount) {
        eventCount = ev.items.length;
        replace(events, ev.items.map(renderEvent));
      }
    } catch (err) {
      if (!stopped) replace(errors, errorBox(err));
    }
  }

  function renderJob() {
    replace(statusSlot, statusBadge(job.status));
    if (cancelButton) cancelButton.hidden = isTerminal(job.status) || job.cancel !== null;
    if (awaitingEnd && isTerminal(job.status)) {
      awaitingEnd = false;
      notice.textContent = `The job ended ${job.status}.`;
    }
    const now = Date.now();
    replace(
      summary,
      facts([
        ['Status', [job.status, job.statusReason ? ` (${job.statusReason})` : '']],
        ['Job type', job.jobType],
        ['Project', job.project],
        ['Attempt', `${job.attempt} of ${job.maxAttempts}`],
        ['Priority', String(job.priority)],
        ['Progress', job.progress ? progress(job.progress) : null],
        ['Lease', job.lease ? `worker ${job.lease.workerId}, fencing token ${job.lease.fencingToken}, expires ${formatRelative(job.lease.expiresAt, now)}` : null],
        ['Cancel', job.cancel ? `requested ${formatTime(job.cancel.requestedAt)}: ${job.cancel.reason}` : null],
        ['Created', formatTime(job.createdAt)],
        ['Started', formatTime(job.startedAt)],
        ['Finished', formatTime(job.finishedAt)],
        ['Eligible', job.eligibleAt ? formatRelative(job.eligibleAt, now) : null],
        ['Correlation id', h('span', { class: 'mono' }, job.correlationId)],
      ]),
    );
    replace(
      outcome,
      job.lastError ? [h('h3', {}, 'Last error'), h('p', { class: 'error-inline', id: 'job-last-error' }, h('code', {}, job.lastError.code), ' ', job.lastError.message)] : null,
      job.result !== null && job.result !== undefined ? [h('h3', {}, 'Result'), h('pre', { class: 'json', id: 'job-result' }, prettyJson(job.result))] : null,
      h('details', {}, h('summary', {}, 'Payload'), h('pre', { class: 'json' }, prettyJson(job.payload))),
    );
  }

  function startPolling() {
    if (stopped) return;
    stops.push(
      every(REFRESH_MS, async () => {
        await refresh();
        return !(job && isTerminal(job.status));
      }),
    );
  }

  startPolling();
  stops.push(followLogs(ctx, id, logs, logState, () => job));
  return () => {
    stopped = true;
    for (const stop of stops) stop();
    dialog?.close();
  };
}

/** @param {{ percent: number | null, message: string | null }} p */
function progress(p) {
  return [p.percent !== null ? h('progress', { max: '100', value: String(p.percent), 'aria-label': 'progress' }) : null, ` ${p.percent ?? '?'}%`, p.message ? ` ${p.message}` : ''];
}

/** @param {any} e  LedgerEventView */
function renderEvent(e) {
  return h(
    'li',
    { 'data-event-type': e.eventType },
    h('time', { datetime: e.occurredAt }, formatTime(e.occurredAt)),
    ' ',
    h('span', { class: 'event-type' }, e.eventType),
    h('span', { class: 'muted' }, ` attempt ${e.attempt} · ${e.actor?.subject ?? '?'}`),
    Object.keys(e.data ?? {}).length ? h('div', { class: 'event-data mono' }, compactJson(e.data, 240)) : null,
  );
}

/**
 * Shows the job's log lines: the event-notifier's log stream (every line from the first, then live,
 * ending with `event: end`), or, when that stream cannot be opened, `GET /jobs/{id}/logs` polled
 * until the job is terminal. Lines are kept by sequence, so both sources merge without duplicates.
 * @param {import('../app.js').AppContext} ctx
 * @param {string} id
 * @param {HTMLElement} out
 * @param {HTMLElement} state
 * @param {() => any} currentJob
 * @returns {() => void}
 */
function followLogs(ctx, id, out, state, currentJob) {
  /** @type {Map<number, any>} */
  const lines = new Map();
  let stopPolling = () => {};
  let opened = false;

  /** @param {any[]} items */
  const add = (items) => {
    let changed = false;
    for (const l of items) {
      if (!lines.has(l.seq)) {
        lines.set(l.seq, l);
        changed = true;
      }
    }
    if (!changed) return;
    const sorted = [...lines.values()].sort((a, b) => a.seq - b.seq).slice(-MAX_LOG_LINES);
    const atBottom = out.scrollTop + out.clientHeight >= out.scrollHeight - 4;
    out.textContent = sorted.map((l) => `${formatTime(l.ts)}  ${String(l.level).padEnd(5)} [${l.attempt}] ${l.message}`).join('\n');
    if (atBottom) out.scrollTop = out.scrollHeight;
  };

  const poll = () => {
    stopPolling = every(LOG_POLL_MS, async () => {
      const { items } = await ctx.api.get(`jobs/${id}/logs`);
      add(items);
      const job = currentJob();
      return !(job && isTerminal(job.status));
    });
  };

  const source = new EventSource(
    streamUrl(ctx.eventsUrl, `api/v1/jobs/${encodeURIComponent(id)}/logs/stream`, { access_token: ctx.token, tenant: ctx.principal.tenants.length > 1 ? ctx.tenant : undefined }, location.href),
  );
  source.addEventListener('open', () => {
    opened = true;
    state.textContent = 'live';
  });
  source.addEventListener('log', (e) => add([JSON.parse(/** @type {MessageEvent} */ (e).data)]));
  source.addEventListener('end', () => {
    source.close();
    state.textContent = 'complete (the job ended)';
  });
  source.addEventListener('error', (e) => {
    if (e instanceof MessageEvent && e.data) {
      // A frame the server sent before closing (client_too_slow, token_expired, …); EventSource reconnects.
      const { code, reason } = JSON.parse(e.data);
      state.textContent = `interrupted: ${reason ?? code}`;
      return;
    }
    if (source.readyState === EventSource.CLOSED) {
      // Refused (no log stream on this event-notifier, CORS, a 4xx): read the stored lines instead.
      state.textContent = opened ? 'stream closed; polling' : 'polling (live log stream unavailable)';
      poll();
    } else {
      state.textContent = 'reconnecting…';
    }
  });
  return () => {
    source.close();
    stopPolling();
  };
}
