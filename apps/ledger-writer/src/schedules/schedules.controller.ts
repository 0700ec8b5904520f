import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  CreateScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  ScheduleActionCommand,
  ScheduleFireCommand,
  ScheduleVerb,
  UpdateScheduleCommand,
} from '@orch/contracts';
import { Incoming, Route } from '@orch/messaging';
import { ScheduleService } from './schedule.service';

const cmd = (verb: ScheduleVerb) => Route.command('ledger-writer', verb);

/** `orch.cmd.ledgerwriter.schedule-<verb>`: recurring schedules (see libs/contracts/src/schedules.ts). */
@Controller()
export class SchedulesController {
  constructor(private readonly schedules: ScheduleService) {}

  @MessagePattern(cmd('schedule-create'), { data: CreateScheduleCommand })
  create(@Payload() m: Incoming<CreateScheduleCommand>) {
    return this.schedules.create(m.envelope);
  }

  @MessagePattern(cmd('schedule-update'), { data: UpdateScheduleCommand })
  update(@Payload() m: Incoming<UpdateScheduleCommand>) {
    return this.schedules.update(m.envelope);
  }

  @MessagePattern(cmd('schedule-pause'), { data: ScheduleActionCommand })
  pause(@Payload() m: Incoming<ScheduleActionCommand>) {
    return this.schedules.pause(m.envelope);
  }

  @MessagePattern(cmd('schedule-resume'), { data: ScheduleActionCommand })
  resume(@Payload() m: Incoming<ScheduleActionCommand>) {
    return this.schedules.resume(m.envelope);
  }

  @MessagePattern(cmd('schedule-delete'), { data: ScheduleActionCommand })
  remove(@Payload() m: Incoming<ScheduleActionCommand>) {
    return this.schedules.delete(m.envelope);
  }

  @MessagePattern(cmd('schedule-list'), { data: ListSchedulesCommand })
  list(@Payload() m: Incoming<ListSchedulesCommand>) {
    return this.schedules.list(m.envelope);
  }

  @MessagePattern(cmd('schedule-get'), { data: GetScheduleCommand })
  get(@Payload() m: Incoming<GetScheduleCommand>) {
    return this.schedules.get(m.envelope);
  }

  /** Sent by every scheduler replica; the compare-and-set makes each slot fire once. */
  @MessagePattern(cmd('schedule-fire'), { data: ScheduleFireCommand })
  fire(@Payload() m: Incoming<ScheduleFireCommand>) {
    return this.schedules.fire(m.envelope);
  }
}
