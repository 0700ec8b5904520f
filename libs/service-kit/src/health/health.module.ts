import { Module, type DynamicModule, type FactoryProvider, type ModuleMetadata, type Provider } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController, READINESS_CHECKS } from './health.controller';
import { assertValidChecks, type ReadinessCheck } from './readiness-check';
import { ShutdownState } from './shutdown-state';

/** Options for {@link HealthModule.forRoot}. */
export interface HealthModuleOptions {
  /** Checks run by /readyz, concurrently, each with a 2 s timeout. */
  checks: ReadinessCheck[];
}

/** Options for {@link HealthModule.forRootAsync}, for checks that need injected clients. */
export interface HealthModuleAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: FactoryProvider['inject'];
  useFactory: (...deps: never[]) => ReadinessCheck[] | Promise<ReadinessCheck[]>;
}

/**
 * GET /healthz and GET /readyz via @nestjs/terminus, and the global
 * {@link ShutdownState}. Import once, in the app's root module.
 */
@Module({})
export class HealthModule {
  /** Registers the probes with a fixed list of checks. */
  static forRoot(options: HealthModuleOptions): DynamicModule {
    assertValidChecks(options.checks);
    return HealthModule.build([{ provide: READINESS_CHECKS, useValue: options.checks }], []);
  }

  /** Registers the probes with checks built from injected providers. */
  static forRootAsync(options: HealthModuleAsyncOptions): DynamicModule {
    const checks: FactoryProvider<ReadinessCheck[]> = {
      provide: READINESS_CHECKS,
      inject: options.inject ?? [],
      useFactory: async (...deps: unknown[]) => {
        const built = await options.useFactory(...(deps as never[]));
        assertValidChecks(built);
        return built;
      },
    };
    return HealthModule.build([checks], options.imports ?? []);
  }

  private static build(providers: Provider[], imports: NonNullable<ModuleMetadata['imports']>): DynamicModule {
    return {
      module: HealthModule,
      global: true,
      imports: [TerminusModule.forRoot({ errorLogStyle: 'json' }), ...imports],
      controllers: [HealthController],
      providers: [ShutdownState, ...providers],
      exports: [ShutdownState],
    };
  }
}
