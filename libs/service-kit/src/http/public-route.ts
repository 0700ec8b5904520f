import { SetMetadata } from '@nestjs/common';

/**
 * Metadata key of {@link Public}. Authentication guards (libs/auth) skip routes
 * that carry it; it lives here so that service-kit's own routes (the health
 * probes) can be public without service-kit knowing anything about tokens.
 */
export const PUBLIC_ROUTE = 'orch:public-route';

/** Marks a controller or handler as reachable without credentials (probes, discovery documents). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);
