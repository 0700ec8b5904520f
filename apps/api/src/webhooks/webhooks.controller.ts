import { Body, Controller, Delete, Get, Headers, Param, Patch, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentOperator, OperatorAction, RequireScopes } from '@orch/auth';
import {
  CreateWebhookRequest,
  DeleteWebhookResult,
  DELIVERY_STATUSES,
  DeliveryView,
  OperatorContext,
  Scopes,
  UpdateWebhookRequest,
  WebhookLimits,
  WebhookView,
  WebhookWithSecret,
} from '@orch/contracts';
import { ApiJsonBody, ApiJsonResponse, ApiPageQuery, ApiProblemResponse, OpenApiRefs } from '@orch/service-kit';
import type { Request, Response } from 'express';
import { v7 as uuidv7 } from 'uuid';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, parseIdempotencyKey } from '../http/headers';
import { JsonContentGuard } from '../http/json-content.guard';
import { noBodyActionKey } from '../http/no-body';
import { TenantId } from '../http/tenant.decorator';
import { ValidatedPlainPipe } from '../http/validated-plain.pipe';
import { BadQuery, BodyTooLarge, IdempotencyConflict, NotJson, REASON_MISSING, Unavailable } from '../openapi-decorators';
import { createWebhookExamples, EXAMPLE_SECRET, exampleDelivery, exampleWebhook, updateWebhookExamples } from '../openapi-examples';
import { S } from '../openapi-schemas';
import { parseDeliveryListQuery, parseWebhookListQuery } from './webhooks.params';
import { ApiPage, Replayable, WebhooksService } from './webhooks.service';

const H = OpenApiRefs.headers;
const NO_STORE = { 'Cache-Control': { description: '`no-store`: the answer carries the signing secret.', schema: { type: 'string', enum: ['no-store'] } } };
const WebhookIdParam = () => ApiParam({ name: 'id', description: 'The webhook id (UUID).', schema: { type: 'string', format: 'uuid' }, example: exampleWebhook.id });
const WebhookNotFound = () =>
  ApiProblemResponse(404, {
    description: "No such webhook in the caller's tenant (a malformed id and another tenant's webhook are answered alike).",
    examples: { not_found: { code: 'not_found', detail: `webhook ${exampleWebhook.id} not found` } },
  });
const OperatorProblems = (extra: Record<string, { code: string; detail: string; errors?: { path: string; message: string }[] }> = {}) =>
  ApiProblemResponse(400, {
    description: 'No (or a too long) `X-Orch-Reason`, an invalid body or query (`validation_failed`, each problem in `errors`), or no tenant chosen (`tenant_required`).',
    examples: { reason: REASON_MISSING, ...extra },
  });
const PageQuery = () => ApiPageQuery({ defaultSize: WebhookLimits.pageSizeDefault, maxSize: WebhookLimits.pageSizeMax });

/** Answers carrying a signing secret must not be kept by caches or proxies. */
function noStore(res: Response): void {
  res.setHeader('Cache-Control', 'no-store');
}

/** Sets the status and headers of an idempotent POST's answer and returns its body. */
function idempotentAnswer<T>(res: Response, key: string, reply: Replayable<T>, createdStatus: number): T {
  res.setHeader('Idempotency-Key', key);
  if (reply.replayed) res.status(200).setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
  else res.status(createdStatus);
  return reply.value;
}

/**
 * `/api/v1/webhooks`: endpoints that receive the tenant's notifier events
 * (`orch.event.v1`, HMAC-signed), their deliveries and redeliveries. Reads
 * need `orch:read`; changes need `orch:operate` and `X-Orch-Reason` (audited).
 * The signing secret is returned by create (and a replay of it) and by an
 * update with `rotateSecret: true`, never by a read.
 */
@ApiTags('webhooks')
@Controller('api/v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  /**
   * Registers an endpoint: 201 with `Location` and the secret; 200 with
   * `Idempotent-Replayed: true` and the same webhook (its current secret) when
   * the key and body were seen before; 409 when the key came with another body.
   */
  @Post()
  @RequireScopes(Scopes.operate)
  @OperatorAction()
  @UseGuards(JsonContentGuard)
  @ApiOperation({
    operationId: 'createWebhook',
    summary: 'Register a webhook',
    description:
      'An endpoint that receives the tenant\'s notifier events (`orch.event.v1`), filtered by project and event type, signed with ' +
      '`X-Orch-Signature` (HMAC-SHA256 of `<t>.<raw body>` with the secret). The answer carries the secret: store it. Operator action, audited. ' +
      'Same Idempotency-Key and body (and reason, ticket) again: 200, `Idempotent-Replayed: true`, the webhook with its current secret.',
  })
  @ApiJsonBody(S.createWebhook, createWebhookExamples)
  @ApiJsonResponse(201, {
    description: 'Registered. `Location` is the webhook.',
    schema: S.webhookWithSecret,
    examples: { created: { summary: 'With its secret', value: { ...exampleWebhook, secret: EXAMPLE_SECRET } } },
    headers: [H.location, H.idempotencyKey],
    ownHeaders: NO_STORE,
  })
  @ApiJsonResponse(200, {
    description: 'An idempotent replay of this key and request: the webhook as it is now, with its current secret and `Idempotent-Replayed: true`.',
    schema: S.webhookWithSecret,
    examples: { replayed: { summary: 'Replay', value: { ...exampleWebhook, secret: EXAMPLE_SECRET } } },
    headers: [H.location, H.idempotencyKey, H.idempotentReplayed],
    ownHeaders: NO_STORE,
  })
  @OperatorProblems({
    url: {
      code: 'validation_failed',
      detail: 'request body: url: url must not contain credentials (user:password@); authenticate receivers with the signature',
      errors: [{ path: 'url', message: 'url must not contain credentials (user:password@); authenticate receivers with the signature' }],
    },
  })
  @IdempotencyConflict('request body, reason or ticket')
  @BodyTooLarge(false)
  @NotJson()
  @Unavailable('event-notifier', true)
  async create(
    @TenantId() tenant: string,
    @Body(new ValidatedPlainPipe(CreateWebhookRequest)) body: CreateWebhookRequest,
    @CurrentOperator() operator: OperatorContext,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<WebhookWithSecret> {
    const key = parseIdempotencyKey(idempotencyKey) ?? uuidv7();
    const reply = await this.webhooks.create(tenant, body, operator, key);
    noStore(res);
    res.location(`/api/v1/webhooks/${reply.value.id}`);
    return idempotentAnswer(res, key, reply, 201);
  }

  /** The tenant's webhooks, newest first; `next_page_token` is null on the last page. */
  @Get()
  @RequireScopes(Scopes.read)
  @ApiOperation({ operationId: 'listWebhooks', summary: "List the tenant's webhooks", description: 'Newest first, without secrets. Cursor pagination like every list.' })
  @PageQuery()
  @ApiJsonResponse(200, { description: 'A page of webhooks.', schema: S.webhookPage, examples: { page: { summary: 'The last page', value: { items: [exampleWebhook], next_page_token: null } } } })
  @BadQuery('invalid webhook list query', 'page_token', 'page_token is not a token this API issued')
  @Unavailable('event-notifier', false)
  list(@TenantId() tenant: string, @Query() query: Record<string, unknown>): Promise<ApiPage<WebhookView>> {
    return this.webhooks.list(tenant, parseWebhookListQuery(query));
  }

  /**
   * Puts a `dead` or `failed` delivery back in line, due now, with a fresh
   * round of attempts (any other status is 409 `invalid_transition`). Takes no body.
   */
  @Post('deliveries/:deliveryId/redeliver')
  @RequireScopes(Scopes.operate)
  @OperatorAction()
  @ApiOperation({
    operationId: 'redeliverWebhookDelivery',
    summary: 'Redeliver a failed or dead delivery',
    description:
      'Puts the delivery back in line, due now, with a fresh round of attempts. Operator action, audited; takes no body. ' +
      'A retry with the same Idempotency-Key answers the first result with `Idempotent-Replayed: true`.',
  })
  @ApiParam({ name: 'deliveryId', description: 'The delivery id (UUID).', schema: { type: 'string', format: 'uuid' }, example: exampleDelivery.id })
  @ApiJsonResponse(200, {
    description: 'The delivery as it is now (`pending`).',
    schema: S.delivery,
    examples: { redelivered: { summary: 'Pending again', value: { ...exampleDelivery, status: 'pending', nextAttemptAt: '2026-11-23T12:00:00.000Z' } } },
    headers: [H.idempotencyKey, H.idempotentReplayed],
  })
  @OperatorProblems({ body: { code: 'validation_failed', detail: 'this action takes no body: the reason goes in X-Orch-Reason and the ticket in X-Orch-Ticket' } })
  @ApiProblemResponse(404, {
    description: "No such delivery in the caller's tenant.",
    examples: { not_found: { code: 'not_found', detail: `delivery ${exampleDelivery.id} not found` } },
  })
  @ApiProblemResponse(409, {
    description: 'The delivery is neither `dead` nor `failed` (`invalid_transition`), or the Idempotency-Key was used with another delivery, reason or ticket (`idempotency_conflict`).',
    examples: {
      invalid_transition: { code: 'invalid_transition', detail: `delivery ${exampleDelivery.id} is succeeded; only dead or failed deliveries can be redelivered` },
      idempotency_conflict: { code: 'idempotency_conflict', detail: 'Idempotency-Key redeliver-1 was used with a different request' },
    },
  })
  @Unavailable('event-notifier', true)
  async redeliver(
    @TenantId() tenant: string,
    @Param('deliveryId') deliveryId: string,
    @CurrentOperator() operator: OperatorContext,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey: string | undefined,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<DeliveryView> {
    const key = noBodyActionKey(req, idempotencyKey);
    return idempotentAnswer(res, key, await this.webhooks.redeliver(tenant, deliveryId, operator, key), 200);
  }

  @Get(':id')
  @RequireScopes(Scopes.read)
  @ApiOperation({ operationId: 'getWebhook', summary: 'Get a webhook', description: 'Without its secret.' })
  @WebhookIdParam()
  @ApiJsonResponse(200, { description: 'The webhook.', schema: S.webhook, examples: { webhook: { summary: 'A webhook', value: exampleWebhook } } })
  @WebhookNotFound()
  @Unavailable('event-notifier', false)
  get(@TenantId() tenant: string, @Param('id') id: string): Promise<WebhookView> {
    return this.webhooks.get(tenant, id);
  }

  /** Changes url, filters, description or enabled; `rotateSecret: true` answers the new secret, this once. */
  @Patch(':id')
  @RequireScopes(Scopes.operate)
  @OperatorAction()
  @UseGuards(JsonContentGuard)
  @ApiOperation({
    operationId: 'updateWebhook',
    summary: 'Change a webhook',
    description:
      'Absent fields stay as they are; `projects: null` and `description: null` clear them, `eventTypes: []` means every event type. ' +
      '`rotateSecret: true` replaces the secret and answers the new one, this once. At least one change is required. Operator action, audited.',
  })
  @WebhookIdParam()
  @ApiJsonBody(S.updateWebhook, updateWebhookExamples)
  @ApiJsonResponse(200, {
    description: 'The webhook as it is now; with `secret` (and `Cache-Control: no-store`) only when the secret was rotated.',
    schema: S.webhookUpdated,
    examples: {
      updated: { summary: 'Disabled', value: { ...exampleWebhook, enabled: false, updatedAt: '2026-11-23T12:00:00.000Z' } },
      rotated: { summary: 'Secret rotated', value: { ...exampleWebhook, secret: EXAMPLE_SECRET } },
    },
    ownHeaders: NO_STORE,
  })
  @OperatorProblems({ nothing: { code: 'validation_failed', detail: 'nothing to update: give url, projects, eventTypes, description, enabled or rotateSecret: true' } })
  @WebhookNotFound()
  @BodyTooLarge(false)
  @NotJson()
  @Unavailable('event-notifier', false)
  async update(
    @TenantId() tenant: string,
    @Param('id') id: string,
    @Body(new ValidatedPlainPipe(UpdateWebhookRequest)) body: UpdateWebhookRequest,
    @CurrentOperator() operator: OperatorContext,
    @Res({ passthrough: true }) res: Response,
  ): Promise<WebhookView & { secret?: string }> {
    const updated = await this.webhooks.update(tenant, id, body, operator);
    if (updated.secret !== undefined) noStore(res);
    return updated;
  }

  /** Removes the webhook with its deliveries. */
  @Delete(':id')
  @RequireScopes(Scopes.operate)
  @OperatorAction()
  @ApiOperation({ operationId: 'deleteWebhook', summary: 'Delete a webhook', description: 'Removes the webhook with its deliveries. Operator action, audited.' })
  @WebhookIdParam()
  @ApiJsonResponse(200, { description: 'Deleted.', schema: S.webhookDeleted, examples: { deleted: { summary: 'Deleted', value: { webhookId: exampleWebhook.id, deleted: true } } } })
  @OperatorProblems()
  @WebhookNotFound()
  @Unavailable('event-notifier', false)
  remove(@TenantId() tenant: string, @Param('id') id: string, @CurrentOperator() operator: OperatorContext): Promise<DeleteWebhookResult> {
    return this.webhooks.remove(tenant, id, operator);
  }

  /** The webhook's deliveries, newest first, each with its attempts; filter `status`. */
  @Get(':id/deliveries')
  @RequireScopes(Scopes.read)
  @ApiOperation({
    operationId: 'listWebhookDeliveries',
    summary: "List a webhook's deliveries",
    description: 'Newest first, each with its recorded attempts. Cursor pagination like every list.',
  })
  @WebhookIdParam()
  @ApiQuery({ name: 'status', required: false, description: 'Only deliveries in this state.', schema: { type: 'string', enum: [...DELIVERY_STATUSES] } })
  @PageQuery()
  @ApiJsonResponse(200, { description: 'A page of deliveries.', schema: S.deliveryPage, examples: { page: { summary: 'One dead delivery', value: { items: [exampleDelivery], next_page_token: null } } } })
  @BadQuery('invalid delivery list query', 'status', `status must be one of ${DELIVERY_STATUSES.join(', ')}`)
  @WebhookNotFound()
  @Unavailable('event-notifier', false)
  deliveries(@TenantId() tenant: string, @Param('id') id: string, @Query() query: Record<string, unknown>): Promise<ApiPage<DeliveryView>> {
    return this.webhooks.deliveries(tenant, id, parseDeliveryListQuery(query));
  }
}
