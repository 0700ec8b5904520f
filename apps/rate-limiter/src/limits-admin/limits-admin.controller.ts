import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  CreatePauseCommand,
  DeleteLimitRuleCommand,
  DeletePauseCommand,
  Envelope,
  LimitRuleIdCommand,
  LimitsVerb,
  ListLimitRulesCommand,
  PutLimitRuleCommand,
  QuotaRemainingCommand,
} from '@orch/contracts';
import { Incoming, Route } from '@orch/messaging';
import type { CallerRef } from './limits-audit.service';
import { LimitsAdminService } from './limits-admin.service';

const cmd = (verb: LimitsVerb) => Route.command('rate-limiter', verb);
const caller = (env: Envelope<unknown>): CallerRef => ({ tenant: env.tenant, project: env.project, correlationId: env.correlationId });

/**
 * `orch.cmd.ratelimiter.limits.<noun>.<verb>`: limits administration for the api, in the
 * envelope's tenant; contracts in libs/contracts/src/limits.ts.
 */
@Controller()
export class LimitsAdminController {
  constructor(private readonly admin: LimitsAdminService) {}

  @MessagePattern(cmd('limits.rule.put'), { data: PutLimitRuleCommand })
  putRule(@Payload() m: Incoming<PutLimitRuleCommand>) {
    return this.admin.putRule(caller(m.envelope), m.data);
  }

  @MessagePattern(cmd('limits.rule.get'), { data: LimitRuleIdCommand })
  getRule(@Payload() m: Incoming<LimitRuleIdCommand>) {
    return this.admin.getRule(caller(m.envelope), m.data.id);
  }

  @MessagePattern(cmd('limits.rule.list'), { data: ListLimitRulesCommand })
  listRules(@Payload() m: Incoming<ListLimitRulesCommand>) {
    return this.admin.listRules(caller(m.envelope), m.data);
  }

  @MessagePattern(cmd('limits.rule.delete'), { data: DeleteLimitRuleCommand })
  deleteRule(@Payload() m: Incoming<DeleteLimitRuleCommand>) {
    return this.admin.deleteRule(caller(m.envelope), m.data);
  }

  @MessagePattern(cmd('limits.pause.create'), { data: CreatePauseCommand })
  createPause(@Payload() m: Incoming<CreatePauseCommand>) {
    return this.admin.createPause(caller(m.envelope), m.data);
  }

  @MessagePattern(cmd('limits.pause.list'))
  listPauses(@Payload() m: Incoming<unknown>) {
    return this.admin.listPauses(caller(m.envelope));
  }

  @MessagePattern(cmd('limits.pause.delete'), { data: DeletePauseCommand })
  deletePause(@Payload() m: Incoming<DeletePauseCommand>) {
    return this.admin.deletePause(caller(m.envelope), m.data);
  }

  @MessagePattern(cmd('limits.quota.remaining'), { data: QuotaRemainingCommand })
  quotaRemaining(@Payload() m: Incoming<QuotaRemainingCommand>) {
    return this.admin.quotaRemaining(caller(m.envelope), m.data);
  }
}
