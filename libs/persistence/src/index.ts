export * from './data-source';
export * from './job-row';
export * from './ledger.repository';
export * from './ledger-reader';
export { JobEntity } from './entities/job.entity';
export { JobEventEntity, DeadLetterEntity } from './entities/job-event.entity';
export { LedgerInit1763800000000 } from './migrations/1763800000000-ledger-init';
export * from './ledger-data.module';
