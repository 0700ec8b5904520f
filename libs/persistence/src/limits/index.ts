export * from './limits-data-source';
export * from './limits-data.module';
export * from './limits-rules.repository';
export * from './limits-state.repository';
export * from './limits-audit.repository';
export { LimitsInit1764300000000 } from './migrations/1764300000000-limits-init';
