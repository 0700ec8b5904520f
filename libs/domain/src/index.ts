export * from './state-machine';
export * from './backoff';
export * from './failure';
export * from './fencing';
export * from './hash-chain';
export * from './token-bucket';
