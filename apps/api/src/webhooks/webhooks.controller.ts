import { Body, Controller, Delete, Get, Headers, Param, Patch, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { CurrentOperator, OperatorAction, RequireScopes } from '@orch/auth';
import {
  CreateWebhookRequest,
  DeleteWebhookResult,
  DeliveryView,
  OperatorContext,
  Scopes,
  UpdateWebhookRequest,
  WebhookView,
  WebhookWithSecret,
} from '@orch/contracts';
import type { Request, Response } from 'express';
import { v7 as uuidv7 } from 'uuid';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, parseIdempotencyKey } from '../http/headers';
import { JsonContentGuard } from '../http/json-content.guard';
import { assertNoBody } from '../http/no-body';
import { TenantId } from '../http/tenant.decorator';
import { ValidatedPlainPipe } from '../http/validated-plain.pipe';
import { parseDeliveryListQuery, parseWebhookListQuery } from './webhooks.params';
import { ApiPage, Replayable, WebhooksService } from './webhooks.service';

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
  async redeliver(
    @TenantId() tenant: string,
    @Param('deliveryId') deliveryId: string,
    @CurrentOperator() operator: OperatorContext,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey: string | undefined,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<DeliveryView> {
    assertNoBody(req, 'the reason goes in X-Orch-Reason and the ticket in X-Orch-Ticket');
    const key = parseIdempotencyKey(idempotencyKey) ?? uuidv7();
    return idempotentAnswer(res, key, await this.webhooks.redeliver(tenant, deliveryId, operator, key), 200);
  }

  @Get(':id')
  @RequireScopes(Scopes.read)
  get(@TenantId() tenant: string, @Param('id') id: string): Promise<WebhookView> {
    return this.webhooks.get(tenant, id);
  }

  /** Changes url, filters, description or enabled; `rotateSecret: true` answers the new secret, this once. */
  @Patch(':id')
  @RequireScopes(Scopes.operate)
  @OperatorAction()
  @UseGuards(JsonContentGuard)
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
  remove(@TenantId() tenant: string, @Param('id') id: string, @CurrentOperator() operator: OperatorContext): Promise<DeleteWebhookResult> {
    return this.webhooks.remove(tenant, id, operator);
  }

  /** The webhook's deliveries, newest first, each with its attempts; filter `status`. */
  @Get(':id/deliveries')
  @RequireScopes(Scopes.read)
  deliveries(@TenantId() tenant: string, @Param('id') id: string, @Query() query: Record<string, unknown>): Promise<ApiPage<DeliveryView>> {
    return this.webhooks.deliveries(tenant, id, parseDeliveryListQuery(query));
  }
}
