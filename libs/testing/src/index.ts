export * from './isolation';
export * from './processes';
export * from './cluster';
