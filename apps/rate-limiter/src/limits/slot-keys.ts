import { LimitState, parseProbeSlot } from '@orch/domain';

/**
 * The state rows to lock for releasing `slotKeys` (a breaker probe slot is its breaker's row),
 * and the map each row belongs to.
 */
export function slotLockKeys(slotKeys: readonly string[]): { keys: string[]; kinds: Map<string, keyof LimitState> } {
  const kinds = new Map<string, keyof LimitState>();
  for (const key of slotKeys) {
    const probe = parseProbeSlot(key);
    if (probe) kinds.set(probe[0], 'breakers');
    else kinds.set(key, 'inFlight');
  }
  return { keys: [...kinds.keys()].sort(), kinds };
}
