// Run as a real process by logger.module.int-spec.ts: Jest's module registry bypasses the
// require hooks HTTP instrumentation relies on. Serves one request carrying TRACEPARENT,
// logs inside it, then exits; stdout is the JSON log.
import { startTelemetry } from '../src/sdk';

const telemetry = startTelemetry({ serviceName: 'traced-app' });

async function main(): Promise<void> {
  // Loaded after startTelemetry so `http` is instrumented, as an app's main.ts would.
  const { Controller, Get, Inject, Module } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  const { Logger } = await import('nestjs-pino');
  const { OrchLoggerModule } = await import('../src/logger.module');

  @Controller()
  class WorkController {
    constructor(@Inject(Logger) private readonly logger: InstanceType<typeof Logger>) {}

    @Get('work')
    work(): string {
      this.logger.log('doing work');
      return 'ok';
    }
  }

  @Module({ imports: [OrchLoggerModule.forRoot({ serviceName: 'traced-app' })], controllers: [WorkController] })
  class TracedAppModule {}

  const app = await NestFactory.create(TracedAppModule, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  await fetch(`http://127.0.0.1:${port}/work`, { headers: { traceparent: process.env['TRACEPARENT'] ?? '' } });
  await app.close();
  await telemetry.shutdown();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
