import { nanos } from '@nats-io/transport-node';
import {
  DiscardPolicy,
  JetStreamApiError,
  JetStreamManager,
  RetentionPolicy,
  StorageType,
  StreamConfig,
} from '@nats-io/jetstream';
import type { OrchNames } from '@orch/contracts';

/** Retention settings of the streams (all durations in ms). */
export interface StreamSettings {
  eventsMaxAgeMs: number;
  logsMaxAgeMs: number;
  logsMaxBytes: number;
  notifyMaxAgeMs: number;
  duplicateWindowMs: number;
}

export const STREAM_DEFAULTS: StreamSettings = {
  eventsMaxAgeMs: 7 * 24 * 3_600_000,
  logsMaxAgeMs: 3 * 24 * 3_600_000,
  logsMaxBytes: 1024 * 1024 * 1024,
  notifyMaxAgeMs: 7 * 24 * 3_600_000,
  duplicateWindowMs: 120_000,
};

/** The stream configurations for a namespace. */
export function streamConfigs(names: OrchNames, s: StreamSettings = STREAM_DEFAULTS): (Partial<StreamConfig> & { name: string })[] {
  const common = { storage: StorageType.File, num_replicas: 1, duplicate_window: nanos(s.duplicateWindowMs) };
  return [
    {
      ...common,
      name: names.streams.events,
      subjects: [names.evtAll()],
      retention: RetentionPolicy.Limits,
      max_age: nanos(s.eventsMaxAgeMs),
      discard: DiscardPolicy.Old,
    },
    {
      ...common,
      name: names.streams.dispatch,
      subjects: [names.dispatchAll()],
      retention: RetentionPolicy.Workqueue,
      discard: DiscardPolicy.Old,
    },
    {
      ...common,
      name: names.streams.logs,
      subjects: [names.logAll()],
      retention: RetentionPolicy.Limits,
      max_age: nanos(s.logsMaxAgeMs),
      max_bytes: s.logsMaxBytes,
      discard: DiscardPolicy.Old,
    },
    {
      ...common,
      name: names.streams.notify,
      subjects: [names.notifyAll()],
      retention: RetentionPolicy.Limits,
      max_age: nanos(s.notifyMaxAgeMs),
      discard: DiscardPolicy.Old,
    },
  ];
}

/**
 * Creates the namespace's streams, or updates their limits when they exist.
 * Safe to call from every service at boot, concurrently.
 */
export async function ensureStreams(jsm: JetStreamManager, names: OrchNames, s?: StreamSettings): Promise<void> {
  for (const cfg of streamConfigs(names, s)) {
    try {
      await jsm.streams.info(cfg.name);
      const { retention: _r, storage: _s, ...updatable } = cfg;
      await jsm.streams.update(cfg.name, updatable);
    } catch (err) {
      if (!(err instanceof JetStreamApiError) || err.code !== 10059) throw err; // 10059: stream not found
      try {
        await jsm.streams.add(cfg);
      } catch (addErr) {
        // Another service created it between our info and add.
        if (!(addErr instanceof JetStreamApiError) || addErr.code !== 10058) throw addErr;
      }
    }
  }
}

/** Deletes every stream of a namespace (tests). */
export async function deleteStreams(jsm: JetStreamManager, names: OrchNames): Promise<void> {
  for (const name of Object.values(names.streams)) {
    await jsm.streams.delete(name).catch(() => undefined);
  }
}
