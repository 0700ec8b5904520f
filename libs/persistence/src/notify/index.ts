export * from './notify-data-source';
export * from './notify-data.module';
export * from './webhook.repository';
export * from './delivery.repository';
export * from './idempotency.repository';
export { WebhookEntity, DeliveryEntity, DeliveryAttemptEntity, AuditOutboxEntity } from './notify.entities';
export { NotifyInit1764000000000 } from './migrations/1764000000000-notify-init';
export { NotifyIdempotency1764100000000 } from './migrations/1764100000000-notify-idempotency';
