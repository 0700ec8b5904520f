// @ts-check
import { newIdempotencyKey } from '../lib/api.js';
import { REASON_MAX_LENGTH } from '../lib/constants.js';
import { errorBox, h, replace } from '../lib/dom.js';
import { formatTime } from '../lib/format.js';

/** What `X-Orch-Reason` may hold: printable ASCII (HTTP header values are Latin-1 on the wire). */
const REASON_PATTERN = /^[\x20-\x7e]+$/;

/**
 * The modal that asks for a cancel's reason and sends `POST /jobs/{id}/cancel` with
 * `X-Orch-Reason` (and a fresh Idempotency-Key, so a double submit cancels once). `<dialog>` gives
 * focus trapping and Escape for free.
 * @param {import('../app.js').AppContext} ctx
 * @param {string} jobId
 * @param {(message: string, requested: boolean) => void} onDone  what happened, in words; `requested`: the job runs on until its worker stops
 */
export function cancelDialog(ctx, jobId, onDone) {
  const reason = h('input', {
    id: 'cancel-reason',
    name: 'reason',
    required: true,
    maxlength: String(REASON_MAX_LENGTH),
    autocomplete: 'off',
    'aria-describedby': 'cancel-reason-help',
  });
  const problem = h('div', { id: 'cancel-problem' });
  const submit = h('button', { type: 'submit', class: 'danger', id: 'confirm-cancel' }, 'Cancel job');
  const element = h(
    'dialog',
    { id: 'cancel-dialog', 'aria-labelledby': 'cancel-title' },
    h(
      'form',
      { onsubmit: (/** @type {SubmitEvent} */ e) => void send(e) },
      h('h2', { id: 'cancel-title' }, 'Cancel this job?'),
      h('label', { for: 'cancel-reason' }, 'Reason'),
      reason,
      h(
        'p',
        { id: 'cancel-reason-help', class: 'muted' },
        `Recorded in the audit log with your name (printable ASCII, at most ${REASON_MAX_LENGTH} characters). A queued job ends canceled at once; a running one is asked to stop.`,
      ),
      problem,
      h('div', { class: 'dialog-buttons' }, submit, h('button', { type: 'button', onclick: () => element.close() }, 'Keep it')),
    ),
  );

  /** @param {SubmitEvent} e */
  async function send(e) {
    e.preventDefault();
    const text = reason.value.trim();
    if (!REASON_PATTERN.test(text)) {
      replace(problem, h('p', { class: 'error', role: 'alert' }, 'The reason must be printable ASCII (letters, digits, punctuation, spaces).'));
      reason.focus();
      return;
    }
    submit.disabled = true;
    try {
      const r = await ctx.api.post(`jobs/${jobId}/cancel`, { headers: { 'X-Orch-Reason': text, 'Idempotency-Key': newIdempotencyKey() } });
      element.close();
      onDone(describeCancel(r), r.changed && r.job.status !== 'canceled');
    } catch (err) {
      replace(problem, errorBox(err));
    } finally {
      submit.disabled = false;
    }
  }

  return {
    element,
    open() {
      reason.value = '';
      problem.replaceChildren();
      element.showModal();
      reason.focus();
    },
    close() {
      if (element.open) element.close();
    },
  };
}

/** @param {{ job: any, changed: boolean }} r  CancelJobResult */
function describeCancel(r) {
  if (!r.changed) return `Nothing changed: the job is ${r.job.status}${r.job.cancel ? ' and a cancel was already requested' : ''}.`;
  if (r.job.status === 'canceled') return 'Canceled.';
  const deadline = r.job.cancel?.deadline;
  return `Cancel requested: the worker is asked to stop${deadline ? ` by ${formatTime(deadline)}` : ''}; the job ends canceled then.`;
}
