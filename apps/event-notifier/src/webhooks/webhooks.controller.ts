import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  CreateWebhookCommand,
  DeleteWebhookCommand,
  Envelope,
  GetWebhookCommand,
  ListDeliveriesCommand,
  ListWebhooksCommand,
  RedeliverCommand,
  UpdateWebhookCommand,
  WebhookVerb,
} from '@orch/contracts';
import { Incoming, Route } from '@orch/messaging';
import type { CallerRef } from './webhook-audit.service';
import { WebhooksService } from './webhooks.service';

const cmd = (verb: WebhookVerb) => Route.command('event-notifier', verb);
const caller = (env: Envelope<unknown>): CallerRef => ({ tenant: env.tenant, project: env.project, correlationId: env.correlationId });

/**
 * `orch.cmd.eventnotifier.webhook.<verb>`: webhook management for the api.
 * The envelope's tenant is the caller's; contracts in libs/contracts/src/webhooks.ts.
 */
@Controller()
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @MessagePattern(cmd('webhook.create'), { data: CreateWebhookCommand })
  create(@Payload() m: Incoming<CreateWebhookCommand>) {
    return this.webhooks.create(caller(m.envelope), m.data);
  }

  @MessagePattern(cmd('webhook.list'), { data: ListWebhooksCommand })
  list(@Payload() m: Incoming<ListWebhooksCommand>) {
    return this.webhooks.list(caller(m.envelope), m.data);
  }

  @MessagePattern(cmd('webhook.get'), { data: GetWebhookCommand })
  get(@Payload() m: Incoming<GetWebhookCommand>) {
    return this.webhooks.get(caller(m.envelope), m.data);
  }

  @MessagePattern(cmd('webhook.update'), { data: UpdateWebhookCommand })
  update(@Payload() m: Incoming<UpdateWebhookCommand>) {
    return this.webhooks.update(caller(m.envelope), m.data);
  }

  @MessagePattern(cmd('webhook.delete'), { data: DeleteWebhookCommand })
  remove(@Payload() m: Incoming<DeleteWebhookCommand>) {
    return this.webhooks.remove(caller(m.envelope), m.data);
  }

  @MessagePattern(cmd('webhook.deliveries'), { data: ListDeliveriesCommand })
  deliveries(@Payload() m: Incoming<ListDeliveriesCommand>) {
    return this.webhooks.listDeliveries(caller(m.envelope), m.data);
  }

  @MessagePattern(cmd('webhook.redeliver'), { data: RedeliverCommand })
  redeliver(@Payload() m: Incoming<RedeliverCommand>) {
    return this.webhooks.redeliver(caller(m.envelope), m.data);
  }
}
