import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { CalendarService } from 'src/calendar/calendar.service';
import { Clock } from 'src/common/clock';
import { ROOT_LOGGER } from 'src/common/logger';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { ProcedureRulesService } from 'src/dossiers/procedure-rules.service';
import type { JobPayloads } from 'src/jobs/job-catalogue';
import type { JobHandler } from 'src/jobs/job-handler';
import { counterHours, MessagesOutbox } from 'src/messages/messages-outbox.service';
import { MessagesRepository } from 'src/messages/messages.repository';
import { milestoneParams } from 'src/messages/milestones';
import { publicLookupUrl } from 'src/public/public-lookup-url';

/** The citizen is told when the appointment is this many working minutes away with no result. */
export const AT_RISK_WORKING_MINUTES = 180;
/** Candidates are read this far ahead (calendar time), then measured in working time. */
const AT_RISK_LOOKAHEAD_MS = 5 * 24 * 3_600_000;
/** A queued message younger than this is in the hands of the enqueue that follows its commit. */
export const MESSAGES_SWEEP_GRACE_MS = 30_000;
const BATCH = 500;

/** The occurrence key of an appointment (its instant, UTC, to the second), as the SQL writes it. */
export const appointmentOccurrence = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Every SLA_SCAN_CRON tick: (1) `appointment_at_risk` messages for running dossiers whose
 * appointment is three working hours away or less with no result yet (one per appointment: an
 * extension's new appointment may be at risk again); the unit head already has the `due_soon` alert,
 * raised earlier (dueSoonWorkingHours in config/sla-policy.json); (2) re-adds the jobs of queued
 * messages that are due and lost theirs (Redis lost them, quiet hours ended, the cap's day turned).
 */
@Injectable()
export class MessagesSweepHandler implements JobHandler<'messages.sweep'> {
  readonly job = 'messages.sweep' as const;

  constructor(
    private readonly repo: MessagesRepository,
    private readonly outbox: MessagesOutbox,
    private readonly calendars: CalendarService,
    private readonly procedures: ProcedureRulesService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async handle(_payload: JobPayloads['messages.sweep']): Promise<{ atRisk: number; requeued: number }> {
    const now = this.clock.now();
    const atRisk = await this.raiseAtRisk(now);
    const requeued = await this.requeue(now);
    if (atRisk || requeued) this.logger.info({ atRisk, requeued }, 'messages sweep');
    return { atRisk, requeued };
  }

  async raiseAtRisk(now: Date): Promise<number> {
    const calendar = await this.calendars.current();
    const candidates = await this.repo.atRiskCandidates(now, new Date(now.getTime() + AT_RISK_LOOKAHEAD_MS), BATCH);
    let created = 0;
    for (const d of candidates) {
      try {
        if (calendar.workingMinutesBetween(now, d.appointment) > AT_RISK_WORKING_MINUTES) continue;
        const procedure = await this.procedures.version(d.procedure_id, d.procedure_version);
        const params = milestoneParams('appointment_at_risk', {
          action: 'scan',
          at: now,
          payload: {},
          code: d.code,
          procedureName: procedure.name,
          unitName: d.unit_name,
          lookupUrl: publicLookupUrl(this.config, d.code),
          appointment: d.appointment,
          previousAppointment: null,
          counterHours: counterHours(calendar, now),
        });
        const rows = this.outbox.rows(
          { ...d, dossier_id: d.id },
          'appointment_at_risk',
          appointmentOccurrence(d.appointment),
          params,
          now,
        );
        const ids = await this.repo.insertMessages(rows);
        created += ids.length;
        await this.outbox.enqueue(ids);
      } catch (err) {
        // One dossier never stops the rest (a calendar gap, a missing procedure version).
        this.logger.warn({ dossierId: d.id, err: (err as Error).message }, 'appointment-at-risk message not raised');
      }
    }
    return created;
  }

  private async requeue(now: Date): Promise<number> {
    const cutoff = new Date(now.getTime() - MESSAGES_SWEEP_GRACE_MS);
    let after: { createdAt: string; id: string } | null = null;
    let requeued = 0;
    for (;;) {
      const rows = await this.repo.staleQueued(cutoff, now, after, BATCH);
      if (rows.length === 0) break;
      requeued += await this.outbox.requeue(rows.map((r) => r.id));
      const last = rows[rows.length - 1];
      after = { createdAt: last.created_at, id: last.id };
      if (rows.length < BATCH) break;
    }
    return requeued;
  }
}
