import { JOB_STATUSES, JobStatus, TERMINAL_STATUSES } from '@orch/contracts';
import { allowedTransitions, assertTransition, canTransition, TransitionRefused } from './state-machine';

const ALLOWED: [JobStatus, JobStatus][] = [
  ['pending', 'queued'],
  ['pending', 'canceled'],
  ['queued', 'throttled'],
  ['queued', 'leased'],
  ['queued', 'canceled'],
  ['throttled', 'queued'],
  ['throttled', 'canceled'],
  ['leased', 'running'],
  ['leased', 'queued'],
  ['leased', 'succeeded'],
  ['leased', 'failed'],
  ['leased', 'canceled'],
  ['leased', 'timed_out'],
  ['running', 'queued'],
  ['running', 'succeeded'],
  ['running', 'failed'],
  ['running', 'canceled'],
  ['running', 'timed_out'],
];
const allowedKey = new Set(ALLOWED.map(([a, b]) => `${a}>${b}`));
const everyPair = JOB_STATUSES.flatMap((from) => JOB_STATUSES.map((to) => [from, to] as [JobStatus, JobStatus]));

describe('job state machine', () => {
  it.each(ALLOWED)('allows %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition(from, to)).not.toThrow();
  });

  it.each(everyPair.filter(([a, b]) => !allowedKey.has(`${a}>${b}`)))('refuses %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    expect(() => assertTransition(from, to)).toThrow(TransitionRefused);
  });

  it('keeps every terminal state sticky, with reason "terminal"', () => {
    for (const t of TERMINAL_STATUSES) {
      expect(allowedTransitions(t)).toEqual([]);
      for (const to of JOB_STATUSES) {
        try {
          assertTransition(t, to);
          throw new Error('expected a refusal');
        } catch (err) {
          expect(err).toBeInstanceOf(TransitionRefused);
          expect((err as TransitionRefused).reason).toBe('terminal');
        }
      }
    }
  });

  it('names a non-terminal refusal "not_allowed"', () => {
    expect(() => assertTransition('pending', 'running')).toThrow(/not allowed/);
  });
});
