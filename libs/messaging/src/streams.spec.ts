import { nanos } from '@nats-io/transport-node';
import { orchNames } from '@orch/contracts';
import { STREAM_DEFAULTS, streamConfigs, streamSettingsFromConfig } from './streams';

describe('stream settings', () => {
  it('takes every limit from the configuration and the defaults for what it leaves unset', () => {
    expect(streamSettingsFromConfig({})).toEqual(STREAM_DEFAULTS);
    expect(streamSettingsFromConfig({ ORCH_NOTIFY_MAX_AGE_MS: 3_600_000, ORCH_LOGS_MAX_BYTES: 5_000_000 })).toEqual({
      ...STREAM_DEFAULTS,
      notifyMaxAgeMs: 3_600_000,
      logsMaxBytes: 5_000_000,
    });
  });

  it('applies the limits to the streams, capping the duplicate window at a stream\'s max age', () => {
    const names = orchNames('orch');
    const byName = Object.fromEntries(
      streamConfigs(names, { ...STREAM_DEFAULTS, notifyMaxAgeMs: 60_000, logsMaxAgeMs: 7_200_000, logsMaxBytes: 5_000_000, duplicateWindowMs: 120_000 }).map((c) => [c.name, c]),
    );
    expect(byName['ORCH_NOTIFY']).toMatchObject({ max_age: nanos(60_000), duplicate_window: nanos(60_000) });
    expect(byName['ORCH_LOGS']).toMatchObject({ max_age: nanos(7_200_000), max_bytes: 5_000_000, duplicate_window: nanos(120_000) });
    expect(byName['ORCH_EVENTS']).toMatchObject({ max_age: nanos(STREAM_DEFAULTS.eventsMaxAgeMs), duplicate_window: nanos(120_000) });
    expect(byName['ORCH_DISPATCH']).toMatchObject({ duplicate_window: nanos(120_000) });
  });
});
