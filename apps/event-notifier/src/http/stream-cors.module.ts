import { DynamicModule, Inject, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { parseCorsOrigins, streamCors } from './stream-cors';

const CORS_ALLOWED_ORIGINS = Symbol('CORS_ALLOWED_ORIGINS');

/**
 * CORS for the stream routes only (`CORS_ORIGINS`): the dashboard is served by
 * the api on another origin and reads the streams with EventSource.
 */
@Module({})
export class StreamCorsModule implements NestModule {
  constructor(@Inject(CORS_ALLOWED_ORIGINS) private readonly allowed: ReadonlySet<string>) {}

  /** `origins` is `CORS_ORIGINS` (validated by the config). */
  static forRoot(origins: string): DynamicModule {
    return { module: StreamCorsModule, providers: [{ provide: CORS_ALLOWED_ORIGINS, useValue: parseCorsOrigins(origins) }] };
  }

  configure(consumer: MiddlewareConsumer): void {
    // Every method, so preflights (OPTIONS) reach it although the routes only answer GET.
    consumer
      .apply(streamCors(this.allowed))
      .forRoutes({ path: 'api/v1/events/stream', method: RequestMethod.ALL }, { path: 'api/v1/jobs/:id/logs/stream', method: RequestMethod.ALL });
  }
}
