import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth.guard';
import { JwtVerifier, JwtVerifierOptions } from './jwt-verifier';

/**
 * Bearer-JWT authentication for an app's HTTP routes: registers {@link JwtVerifier}
 * and the global {@link AuthGuard}. Import once, in the root module; routes then
 * declare `@RequireScopes(...)` or `@Public()`.
 */
@Module({})
export class AuthModule {
  /** @throws Error at module creation when the key source is missing or unusable. */
  static forRoot(options: JwtVerifierOptions): DynamicModule {
    return {
      module: AuthModule,
      global: true,
      providers: [{ provide: JwtVerifier, useFactory: () => new JwtVerifier(options) }, { provide: APP_GUARD, useClass: AuthGuard }],
      exports: [JwtVerifier],
    };
  }
}
