import { Inject, Injectable } from '@nestjs/common';
import {
  CreateScheduleCommand,
  Envelope,
  GetScheduleCommand,
  ListSchedulesCommand,
  OperatorContext,
  OrchError,
  OrchNames,
  ScheduleActionCommand,
  ScheduleAuditActions,
  ScheduleChangeResult,
  ScheduleFireCommand,
  ScheduleFireResult,
  ScheduleLimits,
  SchedulePage,
  SCHEDULE_UPDATE_FIELDS,
  ScheduleView,
  UpdateScheduleCommand,
} from '@orch/contracts';
import { fireId, nextFireTimes } from '@orch/domain';
import { ORCH_NAMES } from '@orch/messaging';
import { LEDGER_DATA_SOURCE, LedgerRepository, ScheduleRow, ScheduleStore, toScheduleView } from '@orch/persistence';
import { injectTraceContext } from '@orch/telemetry';
import type { DataSource, QueryRunner } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { replayIdempotent } from '../ledger/command-support';
import { LedgerService } from '../ledger/ledger.service';
import { applySubmit } from '../ledger/submit';
import { CommandContext, UnitOfWork } from '../ledger/unit-of-work';
import { anchorOf, auditView, checkSchedule, fireSubmit, misfireKeep, newScheduleRow, nextSlot, refuseSlot, SCHEDULE_FIRE_SCOPE } from './schedule-rules';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Schedule commands. Each runs in its own transaction (schedules change
 * rarely; they do not need the group commit), taking locks in the ledger's one
 * order — schedule row, then the tenant's event chain head, then its audit
 * head — so they never deadlock with the group committer (event head → audit
 * head). Operator changes write their audit entry in the same transaction; a
 * firing creates its jobs through the same code as `submit` (events, hash
 * chain, outbox) and is a compare-and-set on the schedule's fire record.
 */
@Injectable()
export class ScheduleService {
  private readonly repo = new LedgerRepository();
  private readonly store = new ScheduleStore();

  constructor(
    @Inject(LEDGER_DATA_SOURCE) private readonly ds: DataSource,
    @Inject(ORCH_NAMES) private readonly names: OrchNames,
    private readonly ledger: LedgerService,
  ) {}

  create(env: Envelope<CreateScheduleCommand>): Promise<ScheduleChangeResult> {
    const cmd = env.data;
    return this.tx(async (qr, now) => {
      const uow = await this.operatorUow(qr, env, now, cmd.idempotency);
      const replay = await this.replay(qr, uow, env.tenant, cmd.idempotency);
      if (replay) return replay;
      const row = newScheduleRow(uuidv7(), env.tenant, cmd, now);
      await this.store.insert(qr, row);
      this.audit(uow, env.tenant, row, ScheduleAuditActions.create, cmd.operator, null);
      return this.finish(qr, uow, env.tenant, cmd.idempotency, row, true);
    });
  }

  update(env: Envelope<UpdateScheduleCommand>): Promise<ScheduleChangeResult> {
    const cmd = env.data;
    if (!SCHEDULE_UPDATE_FIELDS.some((f) => cmd[f] !== undefined)) {
      const message = `nothing to update: give ${SCHEDULE_UPDATE_FIELDS.join(', ')}`;
      return Promise.reject(new OrchError('validation', message, { retryable: false, errors: [{ path: 'body', message }] }));
    }
    return this.change(env, ScheduleAuditActions.update, (row, now) => {
      const rules = checkSchedule({
        cron: cmd.cron ?? row.cron,
        timeZone: cmd.timeZone ?? row.timeZone,
        misfirePolicy: cmd.misfirePolicy ?? row.misfirePolicy,
        maxCatchUp: cmd.maxCatchUp ?? row.maxCatchUp,
      });
      // A new cron or zone starts firing from now: slots the new rule would have had in the past are
      // not misfires and must not be caught up.
      if (rules.cron !== row.cron || rules.timeZone !== row.timeZone) row.resumedAt = now;
      Object.assign(row, { cron: rules.cron, timeZone: rules.timeZone, misfirePolicy: rules.misfirePolicy, maxCatchUp: rules.maxCatchUp });
      if (cmd.name !== undefined) row.name = cmd.name;
      if (cmd.job) {
        Object.assign(row, {
          jobType: cmd.job.jobType,
          payload: cmd.job.payload,
          priority: cmd.job.priority ?? null,
          maxAttempts: cmd.job.maxAttempts ?? null,
          source: cmd.job.source ?? null,
        });
      }
      row.nextFireAt = nextSlot(row);
      return true;
    });
  }

  pause(env: Envelope<ScheduleActionCommand>): Promise<ScheduleChangeResult> {
    return this.change(env, ScheduleAuditActions.pause, (row) => {
      if (row.paused) return false;
      row.paused = true;
      row.nextFireAt = null;
      return true;
    });
  }

  /** Slots that fell in the pause are never caught up: firing restarts from now. */
  resume(env: Envelope<ScheduleActionCommand>): Promise<ScheduleChangeResult> {
    return this.change(env, ScheduleAuditActions.resume, (row, now) => {
      if (!row.paused) return false;
      row.paused = false;
      row.resumedAt = now;
      row.nextFireAt = nextSlot(row);
      return true;
    });
  }

  delete(env: Envelope<ScheduleActionCommand>): Promise<ScheduleChangeResult> {
    return this.change(env, ScheduleAuditActions.delete, () => true, true);
  }

  async list(env: Envelope<ListSchedulesCommand>): Promise<SchedulePage> {
    const cursor = env.data.cursor;
    if (cursor !== undefined && !UUID.test(cursor)) {
      throw new OrchError('validation', 'cursor is not a token this API issued', { retryable: false, errors: [{ path: 'cursor', message: 'cursor is not a token this API issued' }] });
    }
    const page = await this.store.list(this.ds, { tenant: env.tenant, pageSize: env.data.pageSize, ...(cursor ? { beforeId: cursor.toLowerCase() } : {}) });
    return { items: page.items.map(toScheduleView), nextCursor: page.more ? page.items[page.items.length - 1].id : null };
  }

  async get(env: Envelope<GetScheduleCommand>): Promise<ScheduleView> {
    const row = await this.store.get(this.ds, env.tenant, env.data.scheduleId);
    if (!row) throw notFound(env.data.scheduleId);
    const count = env.data.nextCount ?? ScheduleLimits.nextFireTimesDefault;
    // An overdue slot (no scheduler ran) is `nextFireAt`; the list shows what follows from now on.
    const from = Math.max(Date.now(), anchorOf(row).getTime());
    const times = row.paused ? [] : nextFireTimes(row, from, count);
    const last = await this.store.lastFire(this.ds, row.id);
    return {
      ...toScheduleView(row),
      nextFireTimes: times.map((t) => t.toISOString()),
      lastFire: last ? { fireTime: last.fireTime.toISOString(), jobId: last.jobId, firedAt: last.firedAt.toISOString() } : null,
    };
  }

  /** `schedule-fire`: see {@link ScheduleFireCommand}. */
  async fire(env: Envelope<ScheduleFireCommand>): Promise<ScheduleFireResult> {
    const cmd = env.data;
    const result = await this.tx(async (qr, now) => {
      const row = await this.store.get(qr, env.tenant, cmd.scheduleId, true);
      if (!row) throw notFound(cmd.scheduleId);
      const out: ScheduleFireResult = { fired: [], skipped: [], lastFireAt: null, nextFireAt: null };
      const times = [...new Set(cmd.fireTimes.map((t) => new Date(t).getTime()))].sort((a, b) => a - b).map((t) => new Date(t));
      const valid: Date[] = [];
      for (const t of times) {
        const reason = row.paused ? 'paused' : refuseSlot(row, t, now);
        if (reason) out.skipped.push({ fireTime: t.toISOString(), reason });
        else valid.push(t);
      }
      // The misfire policy bounds one firing whatever a scheduler asks: the newest slots are kept.
      const keep = misfireKeep(row);
      for (const t of valid.slice(0, Math.max(0, valid.length - keep))) out.skipped.push({ fireTime: t.toISOString(), reason: 'misfire_dropped' });
      const candidates = valid.slice(-keep);
      const already = await this.store.firedTimes(qr, row.id, candidates);
      const due = candidates.filter((t) => {
        if (!already.has(t.getTime())) return true;
        out.skipped.push({ fireTime: t.toISOString(), reason: 'already_fired' });
        return false;
      });
      if (due.length > 0) {
        const heads = await this.repo.lockChainHeads(qr, [env.tenant]);
        const keys = due.map((t) => ({ tenant: env.tenant, scope: SCHEDULE_FIRE_SCOPE, key: fireId(row.id, t) }));
        const idem = await this.repo.findIdempotencyKeys(qr, keys);
        const uow = new UnitOfWork(now, this.names, new Map(), heads, idem);
        const ctx = this.context(env, { subject: `system:scheduler`, scopes: [] });
        const fires = due.map((t) => ({ fireTime: t, jobId: applySubmit(uow, ctx, fireSubmit(row, t)).job.id }));
        await this.store.insertFires(qr, row.id, fires, now);
        row.lastFireAt = due[due.length - 1];
        row.nextFireAt = nextSlot(row);
        row.updatedAt = now;
        row.version += 1;
        await this.store.update(qr, row);
        await this.flush(qr, uow);
        out.fired = fires.map((f) => ({ fireTime: f.fireTime.toISOString(), jobId: f.jobId }));
      }
      out.lastFireAt = row.lastFireAt?.toISOString() ?? null;
      out.nextFireAt = row.nextFireAt?.toISOString() ?? null;
      return out;
    });
    if (result.fired.length > 0) this.ledger.relay.kick();
    return result;
  }

  /** A change of one existing schedule by an operator: lock, replay check, mutate, audit. */
  private change(
    env: Envelope<ScheduleActionCommand>,
    action: string,
    mutate: (row: ScheduleRow, now: Date) => boolean,
    remove = false,
  ): Promise<ScheduleChangeResult> {
    const cmd = env.data;
    return this.tx(async (qr, now) => {
      // Lock order: schedule row, then audit head. The replay comes before the not-found check, so a
      // retried delete answers its first result rather than 404.
      const row = await this.store.get(qr, env.tenant, cmd.scheduleId, true);
      const uow = await this.operatorUow(qr, env, now, cmd.idempotency);
      const replay = await this.replay(qr, uow, env.tenant, cmd.idempotency);
      if (replay) return replay;
      if (!row) throw notFound(cmd.scheduleId);
      const before = { ...row };
      const changed = mutate(row, now);
      if (remove) await this.store.delete(qr, row.id);
      else if (changed) {
        row.updatedAt = now;
        row.version += 1;
        await this.store.update(qr, row);
      }
      this.audit(uow, env.tenant, row, action, cmd.operator, before);
      return this.finish(qr, uow, env.tenant, cmd.idempotency, row, changed);
    });
  }

  private async operatorUow(qr: QueryRunner, env: Envelope<unknown>, now: Date, idem?: { scope: string; key: string }): Promise<UnitOfWork> {
    const auditHeads = await this.repo.lockAuditHeads(qr, [env.tenant]);
    const records = idem ? await this.repo.findIdempotencyKeys(qr, [{ tenant: env.tenant, scope: idem.scope, key: idem.key }]) : new Map();
    return new UnitOfWork(now, this.names, new Map(), new Map(), records, auditHeads);
  }

  /** An idempotent replay: the schedule as it is now (or as it was, if deleted since). */
  private async replay(qr: QueryRunner, uow: UnitOfWork, tenant: string, idem?: { scope: string; key: string; requestDigest: string }) {
    if (!idem) return undefined;
    const hit = replayIdempotent(uow, tenant, idem, (rec) => rec.result?.['schedule'] as ScheduleView);
    if (!hit) return undefined;
    const current = await this.store.get(qr, tenant, hit.id);
    return { schedule: current ? toScheduleView(current) : hit, changed: false, replayed: true as const };
  }

  private audit(uow: UnitOfWork, tenant: string, row: ScheduleRow, action: string, operator: OperatorContext, before: ScheduleRow | null): void {
    uow.appendAudit(tenant, {
      project: row.project,
      action,
      targetType: 'schedule',
      targetId: row.id,
      operator,
      before: before ? auditView(before) : null,
      after: action === ScheduleAuditActions.delete ? null : auditView(row),
    });
  }

  private async finish(
    qr: QueryRunner,
    uow: UnitOfWork,
    tenant: string,
    idem: { scope: string; key: string; requestDigest: string } | undefined,
    row: ScheduleRow,
    changed: boolean,
  ): Promise<ScheduleChangeResult> {
    const schedule = toScheduleView(row);
    if (idem) uow.remember({ tenant, ...idem, jobId: null, result: { schedule: schedule as unknown as Record<string, unknown> } });
    await this.flush(qr, uow);
    return { schedule, changed };
  }

  /** Writes what the unit of work collected, in the group committer's order. */
  private async flush(qr: QueryRunner, uow: UnitOfWork): Promise<void> {
    await this.repo.insertJobs(qr, [...uow.newJobs.values()]);
    await this.repo.insertIdempotencyKeys(qr, uow.idempotencyNew, uow.now);
    await this.repo.appendEvents(qr, uow.events);
    await this.repo.enqueueOutbox(qr, uow.outbox);
    await this.repo.saveChainHeads(qr, uow.changedHeads());
    await this.repo.appendAudit(qr, uow.auditEntries);
    await this.repo.saveChainHeads(qr, uow.changedAuditHeads(), 'audit');
  }

  private context(env: Envelope<unknown>, actor: { subject: string; scopes: string[] }): CommandContext {
    const traceHeaders: Record<string, string> = {};
    injectTraceContext((k, v) => (traceHeaders[k] = v));
    return { envelopeId: env.id, tenant: env.tenant, correlationId: env.correlationId, actor, traceHeaders };
  }

  /**
   * One transaction; a unique violation (two first uses of one Idempotency-Key racing) is retried
   * once, and the retry finds the winner's record and answers as a replay.
   */
  private async tx<T>(fn: (qr: QueryRunner, now: Date) => Promise<T>): Promise<T> {
    try {
      return await this.txOnce(fn);
    } catch (err) {
      if (!(err instanceof OrchError) || !isUniqueViolation(err.cause)) throw err;
      return this.txOnce(fn);
    }
  }

  private async txOnce<T>(fn: (qr: QueryRunner, now: Date) => Promise<T>): Promise<T> {
    const qr = this.ds.createQueryRunner();
    await qr.connect();
    try {
      await qr.startTransaction('READ COMMITTED');
      const value = await fn(qr, new Date());
      await qr.commitTransaction();
      return value;
    } catch (err) {
      if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
      if (err instanceof OrchError) throw err;
      throw new OrchError('unavailable', `schedule write failed: ${(err as Error)?.message}`, { cause: err, retryable: true });
    } finally {
      await qr.release();
    }
  }
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === '23505' || (err as { driverError?: { code?: unknown } } | null)?.driverError?.code === '23505';
}

function notFound(id: string): OrchError {
  return new OrchError('notFound', `schedule ${id} not found`, { retryable: false });
}
