export * from './isolation';
export * from './processes';
export * from './cluster';
export * from './nats-server';
export * from './auth';
