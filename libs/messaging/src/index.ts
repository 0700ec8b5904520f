export * from './codec';
export * from './outcome';
export * from './routes';
export * from './connection';
export * from './streams';
export * from './client';
export * from './server';
export * from './messaging.module';
