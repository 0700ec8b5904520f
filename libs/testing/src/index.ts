export * from './isolation';
export * from './processes';
export * from './cluster';
export * from './nats-server';
export * from './auth';
export * from './jetstream';
export * from './sse-client';
export * from './ws-client';
