export * from './sdk';
export * from './context';
export * from './tracing';
export * from './correlation';
export * from './logger';
export * from './logger.module';
export * from './redact-url';
