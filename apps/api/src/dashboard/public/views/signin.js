// @ts-check
import { h, replace } from '../lib/dom.js';

/**
 * The sign-in form: paste a bearer token. `npm start` prints a link that signs in directly
 * (`/dashboard/#token=…`).
 * @param {HTMLElement} main
 * @param {{ message?: string, notice?: string, onToken: (token: string) => void }} opts  `message`: why the last token failed
 */
export function signInView(main, opts) {
  const input = h('textarea', {
    id: 'token',
    name: 'token',
    rows: '5',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': 'token-help',
  });
  const form = h(
    'form',
    {
      class: 'card signin',
      onsubmit: (/** @type {SubmitEvent} */ e) => {
        e.preventDefault();
        if (input.value.trim()) opts.onToken(input.value);
      },
    },
    h('label', { for: 'token' }, 'Bearer token'),
    input,
    h(
      'p',
      { id: 'token-help', class: 'muted' },
      'A JWT for the Orch API. For development: ',
      h('code', {}, 'npm run -s token -- --tenant demo --scopes orch:read,orch:operate'),
      ', or open the link that ',
      h('code', {}, 'npm start'),
      ' prints. The token stays in this browser tab only (session storage).',
    ),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
  );
  replace(
    main,
    h('h1', { tabindex: '-1' }, 'Sign in'),
    opts.message ? h('div', { class: 'error', role: 'alert', id: 'signin-message' }, opts.message) : null,
    opts.notice ? h('p', { class: 'notice', role: 'status' }, opts.notice) : null,
    form,
  );
  input.focus();
}
