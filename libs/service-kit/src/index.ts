export * from './config/config.errors';
export * from './config/parse-env';
export * from './config/base-service-config';
export * from './health/readiness-check';
export * from './health/shutdown-state';
export * from './health/health.controller';
export * from './health/health.module';
export * from './bootstrap/bootstrap-service';
