import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { OrchNames } from '@orch/contracts';
import { OrchClient } from './client';
import { connectNats, NatsConnectOptions } from './connection';
import { ensureStreams, StreamSettings } from './streams';

/** Injection tokens. */
export const NATS_CONNECTION = Symbol('NATS_CONNECTION');
export const ORCH_NAMES = Symbol('ORCH_NAMES');

/**
 * Options of {@link MessagingModule.forRoot}. A service that creates/updates
 * the streams at boot (the default) must say with which limits, from its
 * configuration (`streamSettingsFromConfig(config)`), so every service asks
 * for the same ones.
 */
export type MessagingModuleOptions = {
  connection: NatsConnectOptions;
  names: OrchNames;
} & ({ ensureStreams?: true; streamSettings: StreamSettings } | { ensureStreams: false; streamSettings?: undefined });

@Injectable()
class NatsCloser implements OnApplicationShutdown {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}
  async onApplicationShutdown(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => undefined);
  }
}

/**
 * Provides the NATS connection (client side), the namespace's names and an
 * {@link OrchClient}. The server side is {@link JetStreamServer}, attached with
 * `connectMicroservice`.
 */
@Global()
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingModuleOptions): DynamicModule {
    return {
      module: MessagingModule,
      providers: [
        { provide: ORCH_NAMES, useValue: options.names },
        {
          provide: NATS_CONNECTION,
          useFactory: async () => {
            const nc = await connectNats({ ...options.connection, name: `${options.connection.name}:client` });
            if (options.ensureStreams !== false) await ensureStreams(await jetstreamManager(nc), options.names, options.streamSettings);
            return nc;
          },
        },
        {
          provide: OrchClient,
          useFactory: (nc: NatsConnection, names: OrchNames) => new OrchClient(nc, names),
          inject: [NATS_CONNECTION, ORCH_NAMES],
        },
        NatsCloser,
      ],
      exports: [NATS_CONNECTION, ORCH_NAMES, OrchClient],
    };
  }
}
