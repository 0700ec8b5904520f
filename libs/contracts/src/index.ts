export * from './names';
export * from './job-status';
export * from './errors';
export * from './envelope';
export * from './validate';
export * from './jobs';
export * from './events';
export * from './wire';
