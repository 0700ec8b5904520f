import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { CustomStrategy } from '@nestjs/microservices';
import { Logger } from 'nestjs-pino';
import { ShutdownState } from '../health/shutdown-state';
import { ProblemJsonFilter } from '../http/problem-json.filter';

/** Options of {@link bootstrapService}. */
export interface BootstrapOptions {
  /** Service name, used in log lines. */
  name: string;
  /** The root Nest module. */
  module: Type<unknown>;
  /** Interface and port of the HTTP server (health probes and any REST routes). */
  host: string;
  port: number;
  /** Longest a graceful shutdown may take before the process exits anyway. */
  shutdownGraceMs: number;
  /** NATS transports (`JetStreamServer`) attached to the app. */
  microservices?: CustomStrategy['strategy'][];
  /** Called with the created app before it listens (global filters, body limits, …). */
  configure?: (app: INestApplication) => void | Promise<void>;
  /** Install SIGTERM/SIGINT handlers that shut down and exit (default true; tests running in-process pass false). */
  handleSignals?: boolean;
}

/** A running service. */
export interface RunningService {
  app: INestApplication;
  /** The bound HTTP URL. */
  url: string;
  /** Graceful shutdown (what SIGTERM does); resolves when everything is closed. */
  shutdown(reason: string): Promise<void>;
}

/**
 * Creates and starts one Orch service: JSON logging through nestjs-pino, the
 * NATS transports, the HTTP server bound to `host:port`. On SIGTERM or SIGINT
 * it marks itself not ready (so /readyz answers 503), stops taking messages,
 * lets in-flight work drain, closes its connections and exits; if that takes
 * longer than `shutdownGraceMs` it exits with code 1 anyway.
 */
export async function bootstrapService(opts: BootstrapOptions): Promise<RunningService> {
  const app = await NestFactory.create(opts.module, { bufferLogs: true });
  const logger = app.get(Logger);
  app.useLogger(logger);
  // Before connectMicroservice: the NATS transports copy the global filters when connected.
  app.useGlobalFilters(new ProblemJsonFilter());
  for (const strategy of opts.microservices ?? []) {
    app.connectMicroservice({ strategy }, { inheritAppConfig: true });
  }
  await opts.configure?.(app);
  await app.startAllMicroservices();
  await app.listen(opts.port, opts.host);
  const address = app.getHttpServer().address() as { port: number } | null;
  const url = `http://${opts.host}:${address?.port ?? opts.port}`;
  logger.log(`${opts.name} listening on ${url}`, 'Bootstrap');

  let closing: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    closing ??= (async () => {
      logger.log(`${opts.name} shutting down (${reason}): draining`, 'Bootstrap');
      app.get(ShutdownState, { strict: false }).begin();
      const force = setTimeout(() => {
        logger.error(`${opts.name} did not shut down within ${opts.shutdownGraceMs} ms; exiting`, 'Bootstrap');
        process.exit(1);
      }, opts.shutdownGraceMs);
      force.unref();
      try {
        // Stop taking NATS messages first and let in-flight handlers finish, then close the rest
        // (lifecycle hooks: beforeApplicationShutdown flushes, onApplicationShutdown closes connections).
        for (const strategy of opts.microservices ?? []) await strategy.close();
        await app.close();
        logger.log(`${opts.name} stopped`, 'Bootstrap');
      } finally {
        clearTimeout(force);
      }
    })();
    return closing;
  };
  for (const signal of opts.handleSignals === false ? [] : (['SIGTERM', 'SIGINT'] as const)) {
    process.once(signal, () => {
      void shutdown(signal).then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error(`${opts.name} failed to shut down cleanly: ${(err as Error)?.stack ?? String(err)}`, 'Bootstrap');
          process.exit(1);
        },
      );
    });
  }
  return { app, url, shutdown };
}
