import { DynamicModule, Module } from '@nestjs/common';
import { EventNotifierConfig } from '../config';
import { LogStreamController } from '../logs/log-stream.controller';
import { LogStreamService } from '../logs/log-stream.service';
import { SseController } from '../sse/sse.controller';
import { SseService } from '../sse/sse.service';
import { WsController } from '../ws/ws.controller';
import { WsStreamService } from '../ws/ws-stream.service';
import { LiveStreams } from './live-streams.service';

/**
 * Live streams to clients: notifier events over SSE (`/api/v1/events/stream`)
 * and WebSocket (`/api/v1/events/ws`), a job's log lines over SSE
 * (`/api/v1/jobs/{id}/logs/stream`). Needs the global MessagingModule, the
 * (read-only) LedgerDataModule and AuthModule of the root module.
 */
@Module({})
export class StreamsModule {
  static forRoot(config: EventNotifierConfig): DynamicModule {
    return {
      module: StreamsModule,
      controllers: [SseController, WsController, LogStreamController],
      providers: [{ provide: EventNotifierConfig, useValue: config }, LiveStreams, SseService, WsStreamService, LogStreamService],
    };
  }
}
