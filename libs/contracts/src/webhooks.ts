/**
 * Webhook management commands of the event-notifier (core NATS request/reply,
 * `orch.cmd.eventnotifier.<verb>`, queue group `event-notifier`) and the
 * delivery wire format. The envelope's `tenant` is the caller's tenant: every
 * command acts on that tenant's webhooks only, so another tenant's webhook or
 * delivery is `not_found`. See docs/architecture.md#webhooks.
 */
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { EVENT_TYPES } from './job-status';
import { ID_TOKEN_PATTERN } from './names';
import { IdempotencyRef, OperatorContext } from './operator';

/**
 * Command verbs (`Route.command('event-notifier', verb)`):
 * - `webhook.create` {@link CreateWebhookCommand} → {@link CreateWebhookResult} (the secret)
 * - `webhook.list` {@link ListWebhooksCommand} → {@link WebhookPage}
 * - `webhook.get` {@link GetWebhookCommand} → {@link WebhookView}
 * - `webhook.update` {@link UpdateWebhookCommand} → {@link WebhookView} (+ `secret` when rotated)
 * - `webhook.delete` {@link DeleteWebhookCommand} → {@link DeleteWebhookResult}
 * - `webhook.deliveries` {@link ListDeliveriesCommand} → {@link DeliveryPage}
 * - `webhook.redeliver` {@link RedeliverCommand} → {@link RedeliverResult}
 *
 * Idempotency: `webhook.create` and `webhook.redeliver` take an optional
 * {@link IdempotencyRef} (the POST's Idempotency-Key), deduplicated per
 * (tenant, scope, key) in the notify schema: the same digest again changes
 * nothing and answers from the first call (`replayed: true`), another digest
 * is `idempotency_conflict` (409). A refused call (400, 404, 409) records no key.
 */
export const WebhookVerbs = [
  'webhook.create',
  'webhook.list',
  'webhook.get',
  'webhook.update',
  'webhook.delete',
  'webhook.deliveries',
  'webhook.redeliver',
] as const;
export type WebhookVerb = (typeof WebhookVerbs)[number];

/** Limits of webhook commands. */
export const WebhookLimits = {
  urlMaxLength: 2048,
  descriptionMaxLength: 500,
  projectsMax: 50,
  eventTypesMax: 32,
  pageSizeDefault: 50,
  pageSizeMax: 500,
  cursorMaxLength: 512,
  /** Bytes of a receiver's response body kept per attempt. */
  responseExcerptMaxBytes: 1024,
} as const;

/**
 * Delivery states: `pending` (waiting for its first attempt, or redelivered),
 * `failed` (an attempt failed; the next one is scheduled at `nextAttemptAt`),
 * `succeeded` (a 2xx answer), `dead` (attempts exhausted; only `webhook.redeliver`
 * revives it).
 */
export const DeliveryStatus = {
  pending: 'pending',
  succeeded: 'succeeded',
  failed: 'failed',
  dead: 'dead',
} as const;
export type DeliveryStatus = (typeof DeliveryStatus)[keyof typeof DeliveryStatus];
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = Object.values(DeliveryStatus);

/** HTTP headers of a webhook request (the body is the `orch.event.v1` notifier event). */
export const WebhookHeaders = {
  eventId: 'X-Orch-Event-Id',
  eventType: 'X-Orch-Event-Type',
  deliveryId: 'X-Orch-Delivery-Id',
  /** 1-based, counts every attempt of the delivery, redeliveries included. */
  attempt: 'X-Orch-Delivery-Attempt',
  /** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. */
  signature: 'X-Orch-Signature',
} as const;

/**
 * Why `url` cannot be a webhook endpoint, or undefined when it can: an
 * absolute http(s) URL of at most {@link WebhookLimits.urlMaxLength}
 * characters, without credentials (`user:password@`), whitespace or fragment.
 */
export function webhookUrlProblem(url: string): string | undefined {
  if (url.length > WebhookLimits.urlMaxLength) return `must be at most ${WebhookLimits.urlMaxLength} characters`;
  if (/\s/.test(url)) return 'must not contain whitespace';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an absolute http or https URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'must be an http or https URL';
  // `http://:@host` parses with empty credentials; any userinfo part is refused.
  if (parsed.username || parsed.password || /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url)) {
    return 'must not contain credentials (user:password@); authenticate receivers with the signature';
  }
  if (!parsed.hostname) return 'must name a host';
  if (parsed.hash || url.includes('#')) return 'must not contain a fragment';
  return undefined;
}

/** Property decorator: a valid webhook endpoint (see {@link webhookUrlProblem}). */
function IsWebhookUrl(): PropertyDecorator {
  return ValidateBy({
    name: 'isWebhookUrl',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && webhookUrlProblem(value) === undefined,
      // The value is not echoed: it may carry credentials.
      defaultMessage: (args) =>
        `${args?.property ?? 'url'} ${typeof args?.value === 'string' ? webhookUrlProblem(args.value) : 'must be a string'}`,
    },
  });
}

/** `projects`: a non-empty list of project ids; absent or null = every project. */
function ProjectFilter(): PropertyDecorator {
  return (target, key) => {
    IsOptional()(target, key);
    IsArray()(target, key);
    ArrayMinSize(1, { message: 'projects must list at least one project (omit it or send null for every project)' })(target, key);
    ArrayMaxSize(WebhookLimits.projectsMax)(target, key);
    ArrayUnique()(target, key);
    Matches(ID_TOKEN_PATTERN, { each: true, message: 'each project must match ^[a-z0-9][a-z0-9_-]{0,62}$' })(target, key);
  };
}

/** `eventTypes`: known event types (`EventType`); empty = every event type. */
function EventTypeFilter(): PropertyDecorator {
  return (target, key) => {
    IsArray()(target, key);
    ArrayMaxSize(WebhookLimits.eventTypesMax)(target, key);
    ArrayUnique()(target, key);
    IsIn(EVENT_TYPES, { each: true, message: `each event type must be one of ${EVENT_TYPES.join(', ')}` })(target, key);
  };
}

/** Cursor of a list command: the `nextCursor` of the previous page, opaque. */
function PageCursor(): PropertyDecorator {
  return (target, key) => {
    IsOptional()(target, key);
    IsString()(target, key);
    MaxLength(WebhookLimits.cursorMaxLength)(target, key);
    Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor must be a nextCursor returned by this service' })(target, key);
  };
}

function PageSize(): PropertyDecorator {
  return (target, key) => {
    IsOptional()(target, key);
    IsInt()(target, key);
    Min(1)(target, key);
    Max(WebhookLimits.pageSizeMax)(target, key);
  };
}

function Operator(): PropertyDecorator {
  return (target, key) => {
    IsDefined({ message: 'operator is required' })(target, key);
    ValidateNested()(target, key);
    Type(() => OperatorContext)(target, key);
  };
}

/**
 * `POST /api/v1/webhooks` body: the endpoint and its filters. The api adds the
 * operator (token and `X-Orch-Reason`) and the Idempotency-Key to make a
 * {@link CreateWebhookCommand}.
 */
export class CreateWebhookRequest {
  @IsWebhookUrl()
  url!: string;

  @ProjectFilter()
  projects?: string[] | null;

  @IsOptional()
  @EventTypeFilter()
  eventTypes?: string[];

  @IsOptional()
  @IsString()
  @MaxLength(WebhookLimits.descriptionMaxLength)
  description?: string | null;

  /** Default true. */
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

/**
 * `webhook.create`: register an endpoint; the reply carries its signing secret.
 * A replay of the same Idempotency-Key and request answers the webhook as it
 * is now, with its current secret: only the same tenant holding the same key
 * can replay, and it is the answer a client that lost the first reply needs.
 */
export class CreateWebhookCommand extends CreateWebhookRequest {
  @Operator()
  operator!: OperatorContext;

  @IsOptional()
  @ValidateNested()
  @Type(() => IdempotencyRef)
  idempotency?: IdempotencyRef;
}

/** `webhook.list`: the tenant's webhooks, newest first. */
export class ListWebhooksCommand {
  /** Default {@link WebhookLimits.pageSizeDefault}. */
  @PageSize()
  pageSize?: number;

  @PageCursor()
  cursor?: string;
}

/** `webhook.get`. */
export class GetWebhookCommand {
  @IsUUID()
  webhookId!: string;
}

/**
 * `PATCH /api/v1/webhooks/{id}` body: absent fields stay as they are;
 * `projects: null` and `description: null` clear them, `eventTypes: []` means
 * every event type. `rotateSecret: true` replaces the secret and returns the
 * new one, this once. At least one change is required.
 */
export class UpdateWebhookRequest {
  @ValidateIf((o: UpdateWebhookRequest) => o.url !== undefined)
  @IsWebhookUrl()
  url?: string;

  @ProjectFilter()
  projects?: string[] | null;

  @ValidateIf((o: UpdateWebhookRequest) => o.eventTypes !== undefined)
  @EventTypeFilter()
  eventTypes?: string[];

  @IsOptional()
  @IsString()
  @MaxLength(WebhookLimits.descriptionMaxLength)
  description?: string | null;

  @ValidateIf((o: UpdateWebhookRequest) => o.enabled !== undefined)
  @IsBoolean()
  enabled?: boolean;

  @ValidateIf((o: UpdateWebhookRequest) => o.rotateSecret !== undefined)
  @IsBoolean()
  rotateSecret?: boolean;
}

/** `webhook.update`: {@link UpdateWebhookRequest} for one webhook, with the operator. */
export class UpdateWebhookCommand extends UpdateWebhookRequest {
  @IsUUID()
  webhookId!: string;

  @Operator()
  operator!: OperatorContext;
}

/** `webhook.delete`: removes the webhook with its deliveries and their attempts. */
export class DeleteWebhookCommand {
  @IsUUID()
  webhookId!: string;

  @Operator()
  operator!: OperatorContext;
}

/** `webhook.deliveries`: one webhook's deliveries, newest first, each with its attempts. */
export class ListDeliveriesCommand {
  @IsUUID()
  webhookId!: string;

  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: DeliveryStatus;

  @PageSize()
  pageSize?: number;

  @PageCursor()
  cursor?: string;
}

/**
 * `webhook.redeliver`: a `dead` or `failed` delivery back to `pending`, due
 * now, with a fresh round of attempts. Any other status is `invalid_transition`.
 */
export class RedeliverCommand {
  @IsUUID()
  deliveryId!: string;

  @Operator()
  operator!: OperatorContext;

  @IsOptional()
  @ValidateNested()
  @Type(() => IdempotencyRef)
  idempotency?: IdempotencyRef;
}

/** A webhook as commands return it (never with its secret). */
export interface WebhookView {
  id: string;
  tenant: string;
  url: string;
  /** null = every project. */
  projects: string[] | null;
  /** Empty = every event type. */
  eventTypes: string[];
  description: string | null;
  enabled: boolean;
  createdAt: string;
  /** The operator subject that created it. */
  createdBy: string;
  updatedAt: string;
}

/** `webhook.create` (and a rotating `webhook.update`): the view plus the signing secret. */
export interface WebhookWithSecret extends WebhookView {
  secret: string;
}

/** Reply of `webhook.create`; `replayed` is set (true) when an earlier call with the same Idempotency-Key answered. */
export interface CreateWebhookResult extends WebhookWithSecret {
  replayed?: true;
}

/** A page of webhooks; `nextCursor` is null on the last page. */
export interface WebhookPage {
  items: WebhookView[];
  nextCursor: string | null;
}

/** `webhook.delete`. */
export interface DeleteWebhookResult {
  webhookId: string;
  deleted: true;
}

/** One recorded HTTP attempt of a delivery. */
export interface DeliveryAttemptView {
  attempt: number;
  startedAt: string;
  durationMs: number;
  /** null when no HTTP answer came (network error, timeout). */
  statusCode: number | null;
  error: string | null;
  /** First bytes of the response body (at most {@link WebhookLimits.responseExcerptMaxBytes}). */
  responseExcerpt: string | null;
}

/** One event to one webhook. */
export interface DeliveryView {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  /** Attempts started, across redeliveries. */
  attempts: number;
  /** When the next attempt is due (pending, failed); null once succeeded or dead. */
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  /** The recorded attempts, oldest first. */
  attemptLog: DeliveryAttemptView[];
}

/** Reply of `webhook.redeliver`: the delivery as it is now; `replayed` as in {@link CreateWebhookResult}. */
export interface RedeliverResult extends DeliveryView {
  replayed?: true;
}

/** A page of deliveries; `nextCursor` is null on the last page. */
export interface DeliveryPage {
  items: DeliveryView[];
  nextCursor: string | null;
}
