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

/** Retention when a service's environment sets none (the `ORCH_*` variables of {@link StreamRetentionEnv}). */
export const STREAM_DEFAULTS: StreamSettings = {
  eventsMaxAgeMs: 7 * 24 * 3_600_000,
  logsMaxAgeMs: 3 * 24 * 3_600_000,
  logsMaxBytes: 1024 * 1024 * 1024,
  notifyMaxAgeMs: 7 * 24 * 3_600_000,
  duplicateWindowMs: 120_000,
};

/**
 * The stream retention variables of a service's configuration
 * (`BaseServiceConfig` in libs/service-kit declares and validates them);
 * declared here structurally so the transport does not depend on the config
 * library. Unset → {@link STREAM_DEFAULTS}.
 */
export interface StreamRetentionEnv {
  ORCH_EVENTS_MAX_AGE_MS?: number;
  ORCH_LOGS_MAX_AGE_MS?: number;
  ORCH_LOGS_MAX_BYTES?: number;
  ORCH_NOTIFY_MAX_AGE_MS?: number;
  ORCH_STREAM_DUPLICATE_WINDOW_MS?: number;
}

/**
 * The one place stream settings come from: a service's configuration, with
 * {@link STREAM_DEFAULTS} for what it leaves unset. Every service that creates
 * the streams (`MessagingModule.forRoot`) passes this, so they all ask for the
 * same limits instead of undoing each other's at boot.
 */
export function streamSettingsFromConfig(env: StreamRetentionEnv): StreamSettings {
  return {
    eventsMaxAgeMs: env.ORCH_EVENTS_MAX_AGE_MS ?? STREAM_DEFAULTS.eventsMaxAgeMs,
    logsMaxAgeMs: env.ORCH_LOGS_MAX_AGE_MS ?? STREAM_DEFAULTS.logsMaxAgeMs,
    logsMaxBytes: env.ORCH_LOGS_MAX_BYTES ?? STREAM_DEFAULTS.logsMaxBytes,
    notifyMaxAgeMs: env.ORCH_NOTIFY_MAX_AGE_MS ?? STREAM_DEFAULTS.notifyMaxAgeMs,
    duplicateWindowMs: env.ORCH_STREAM_DUPLICATE_WINDOW_MS ?? STREAM_DEFAULTS.duplicateWindowMs,
  };
}

/** The stream configurations for a namespace. */
export function streamConfigs(names: OrchNames, s: StreamSettings = STREAM_DEFAULTS): (Partial<StreamConfig> & { name: string })[] {
  const common = { storage: StorageType.File, num_replicas: 1 };
  // JetStream refuses a duplicate window longer than the stream's max age; past its age a message is gone anyway.
  const window = (maxAgeMs?: number) => ({ duplicate_window: nanos(maxAgeMs === undefined ? s.duplicateWindowMs : Math.min(s.duplicateWindowMs, maxAgeMs)) });
  return [
    {
      ...common,
      ...window(s.eventsMaxAgeMs),
      name: names.streams.events,
      subjects: [names.evtAll()],
      retention: RetentionPolicy.Limits,
      max_age: nanos(s.eventsMaxAgeMs),
      discard: DiscardPolicy.Old,
    },
    {
      ...common,
      ...window(),
      name: names.streams.dispatch,
      subjects: [names.dispatchAll()],
      retention: RetentionPolicy.Workqueue,
      discard: DiscardPolicy.Old,
    },
    {
      ...common,
      ...window(s.logsMaxAgeMs),
      name: names.streams.logs,
      subjects: [names.logAll()],
      retention: RetentionPolicy.Limits,
      max_age: nanos(s.logsMaxAgeMs),
      max_bytes: s.logsMaxBytes,
      discard: DiscardPolicy.Old,
    },
    {
      ...common,
      ...window(s.notifyMaxAgeMs),
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
