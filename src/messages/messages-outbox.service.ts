import { Inject, Injectable } from '@nestjs/common';
import type { JobsOptions } from 'bullmq';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import type { WorkingCalendar } from 'src/calendar/working-time';
import { DomainError } from 'src/common/domain-error';
import { ROOT_LOGGER } from 'src/common/logger';
import { localDate } from 'src/common/time';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import type { DossierState } from 'src/dossiers/lifecycle';
import { JOBS } from 'src/jobs/job-catalogue';
import { QueueService } from 'src/jobs/queue.service';
import { normaliseVnMobile, quietHoursRelease } from 'src/messages/message-rules';
import { MessagesRepository, type MilestoneContext, type NewMessage } from 'src/messages/messages.repository';
import { type MessageChannel, type Milestone, MILESTONE_OF_ACTION, milestoneParams } from 'src/messages/milestones';
import { loadTemplates } from 'src/messages/templates';
import { publicLookupUrl } from 'src/public/public-lookup-url';

/** The BullMQ job id of a message: one job per citizen_messages row, whoever enqueues it. */
export const messageJobId = (id: string) => `message-${id}`;

export interface NotifyConsent {
  sms?: boolean;
  zalo?: boolean;
  email?: boolean;
}

/** What a milestone's transaction knows about the dossier. */
export interface MilestoneEvent {
  dossierId: string;
  action: string;
  /** The event's sequence number: a milestone occurrence (two supplement requests are two). */
  seq: number;
  at: Date;
  payload: Record<string, unknown>;
  state: DossierState;
  previous: DossierState | null;
  procedureName: string;
  calendar: WorkingCalendar;
  lookupKey?: string;
}

const CHUNK = 200;

/** "07:30–11:30, 13:30–17:00" of a day (the counter's hours the citizen is told). */
export function counterHours(calendar: WorkingCalendar, at: Date): string {
  const periods = calendar.periodsOn(localDate(at));
  return periods.length ? periods.map(([a, b]) => `${a}–${b}`).join(', ') : 'trong giờ hành chính';
}

/**
 * The API side of messages to citizens: the consent at intake, and the outbox rows of a
 * milestone, written in the transaction of the event that causes it (so a message exists,
 * `queued`, from the moment its milestone happens, and never without it); then, after the commit,
 * one BullMQ job per row (a sweep re-adds what Redis missed).
 */
@Injectable()
export class MessagesOutbox {
  private readonly jobOptions: JobsOptions;

  constructor(
    private readonly repo: MessagesRepository,
    private readonly queues: QueueService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.jobOptions = {
      attempts: config.DELIVERY_MAX_ATTEMPTS,
      backoff: { type: 'exponential', delay: config.DELIVERY_BACKOFF_MS },
    };
  }

  /**
   * Checks the consent against the applicant's contacts (before anything is written): SMS or Zalo
   * need a Vietnamese mobile number, e-mail an address. Returns the normalised phone (null when no
   * channel is consented: nothing is stored then).
   */
  checkConsent(notify: NotifyConsent | undefined, applicant: { phone?: string; email?: string }): string | null {
    // Without a consented channel the number is neither checked nor stored: libphonenumber's
    // parse (a few percent of an intake's CPU) only runs when a message may go to it.
    if (!notify || !(notify.sms || notify.zalo || notify.email)) return null;
    const phone = normaliseVnMobile(applicant.phone);
    if ((notify?.sms || notify?.zalo) && !phone) {
      throw new DomainError('VALIDATION_FAILED', 'Dữ liệu không hợp lệ.', [
        {
          field: 'applicant.phone',
          message: applicant.phone
            ? 'not a Vietnamese mobile number (0xx…, +84… or 84…): SMS and Zalo need one; leave notify.sms and notify.zalo false for a landline or no mobile'
            : 'SMS and Zalo messages need the applicant’s mobile number',
        },
      ]);
    }
    if (notify?.email && !applicant.email) {
      throw new DomainError('VALIDATION_FAILED', 'Dữ liệu không hợp lệ.', [
        { field: 'applicant.email', message: 'e-mail messages need the applicant’s e-mail address' },
      ]);
    }
    return phone;
  }

  /** At intake, in its transaction: stores the consent (when any channel is on). */
  async recordConsent(
    m: EntityManager,
    dossierId: string,
    notify: NotifyConsent | undefined,
    phone: string | null,
    email: string | undefined,
  ): Promise<void> {
    if (!notify || !(notify.sms || notify.zalo || notify.email)) return;
    await this.repo.insertConsent(m, {
      dossier_id: dossierId,
      phone,
      email: email ?? null,
      sms: !!notify.sms,
      zalo: !!notify.zalo,
      email_on: !!notify.email,
    });
  }

  /**
   * After an event is stored, in the same transaction: the milestone's message rows on the
   * consented channels (none when the action is no milestone or no channel is on). Returns their ids
   * for enqueue() once the transaction has committed.
   */
  async onEvent(m: EntityManager, e: MilestoneEvent): Promise<string[]> {
    const milestone = MILESTONE_OF_ACTION[e.action];
    if (!milestone) return [];
    const ctx = await this.repo.milestoneContext(m, e.dossierId);
    if (!ctx) return [];
    const appointment = appointmentOf(e.state);
    const params = milestoneParams(milestone, {
      action: e.action,
      at: e.at,
      payload: e.payload,
      code: ctx.code,
      procedureName: e.procedureName,
      unitName: ctx.unit_name,
      lookupUrl: publicLookupUrl(this.config, ctx.code),
      appointment,
      previousAppointment: e.previous ? appointmentOf(e.previous) : null,
      counterHours: counterHours(e.calendar, e.at),
      lookupKey: e.lookupKey,
    });
    return this.repo.insertMessages(this.rows(ctx, milestone, `seq:${e.seq}`, params, e.at), m);
  }

  /** The rows of one milestone occurrence, one per consented channel. */
  rows(
    ctx: Omit<MilestoneContext, 'dossier_id' | 'code'> & { dossier_id?: string; id?: string },
    milestone: Milestone,
    occurrence: string,
    params: Record<string, string>,
    at: Date,
  ): NewMessage[] {
    const version = loadTemplates().version;
    const scheduledFor = quietHoursRelease(at);
    const dossierId = (ctx.dossier_id ?? ctx.id)!;
    const out: NewMessage[] = [];
    const add = (channel: MessageChannel, to: string | null) => {
      if (!to) return;
      out.push({
        dossier_id: dossierId,
        unit_id: ctx.receiving_unit_id,
        milestone,
        occurrence,
        channel,
        to_address: to,
        template_version: version,
        params,
        scheduled_for: scheduledFor,
        created_at: at,
      });
    };
    if (ctx.zalo) add('zalo', ctx.phone);
    if (ctx.sms) add('sms', ctx.phone);
    if (ctx.email_on) add('email', ctx.email);
    return out;
  }

  /**
   * Adds one 'messages.send' job per id (job id `message-<id>`; an existing job makes it a no-op).
   * Call it after the rows' transaction has committed. Never throws: when Redis does not answer,
   * the messages sweep adds the jobs later. `later`: a job of its own, delayed to an instant (quiet
   * hours, the daily cap), with an id derived from it.
   */
  async enqueue(ids: string[], later?: { at: Date; now: Date }): Promise<void> {
    for (let i = 0; i < ids.length; i += CHUNK) {
      const results = await Promise.allSettled(
        ids.slice(i, i + CHUNK).map((id) =>
          later
            ? this.queues.enqueue('messages.send', { messageId: id }, `${messageJobId(id)}-${later.at.getTime()}`, {
                ...this.jobOptions,
                delay: Math.max(0, later.at.getTime() - later.now.getTime()),
              })
            : this.queues.enqueue('messages.send', { messageId: id }, messageJobId(id), this.jobOptions),
        ),
      );
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) {
        this.logger.warn(
          { err: (failed.reason as Error)?.message, notEnqueued: ids.length - i },
          'messages not enqueued; the messages sweep will add them',
        );
        return;
      }
    }
  }

  /**
   * Re-adds the jobs of messages still queued (the sweep): a missing job is added; one that ended
   * while its row is still queued is removed and added again (BullMQ ignores an add whose id
   * exists); one waiting, delayed or running is left alone. Returns how many were added.
   */
  async requeue(ids: string[]): Promise<number> {
    const queue = this.queues.queue(JOBS['messages.send'].queue);
    const added = await Promise.all(
      ids.map(async (id) => {
        const jobId = messageJobId(id);
        const state = await queue.getJobState(jobId);
        if (state === 'completed' || state === 'failed') await queue.remove(jobId);
        else if (state !== 'unknown') return false;
        await this.queues.enqueue('messages.send', { messageId: id }, jobId, this.jobOptions);
        return true;
      }),
    );
    return added.filter(Boolean).length;
  }
}

/** The appointment the citizen holds: the promised instant (after an extension), else the due instant. */
export function appointmentOf(s: DossierState): Date {
  return new Date(s.promisedAt ?? s.clock.dueAt);
}
