import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Logger } from 'pino';
import { Counter, Histogram } from 'prom-client';
import { CalendarService } from 'src/calendar/calendar.service';
import type { WorkingCalendar } from 'src/calendar/working-time';
import { ROOT_LOGGER } from 'src/common/logger';
import { registry } from 'src/common/metrics';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { loadSlaPolicy } from 'src/config/sla-policy';
import { FeedbackOverdueScan } from 'src/public/feedback-overdue.scan';
import { DELIVERY_ENQUEUER, type DeliveryEnqueuer } from 'src/sla/delivery-port';
import { SCAN_KINDS, ScanKind, SlaScanRepository } from 'src/sla/sla-scan.repository';

const alertsCreated = new Counter({
  name: 'sla_alerts_created_total',
  help: 'Alerts created by the SLA scan, by kind',
  labelNames: ['kind'] as const,
  registers: [registry],
});
const scanDuration = new Histogram({
  name: 'sla_scan_duration_seconds',
  help: 'Wall time of one SLA scan',
  buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30],
  registers: [registry],
});

/** Candidates per statement: large enough to be fast, small enough to keep transactions short. */
export const SCAN_BATCH = 20_000;
/**
 * How far before the last watermark the next scan looks again: covers transactions that started
 * before a scan and committed after it (their updated_at is their start time) and clock skew.
 */
const LOOKBACK_MS = 5 * 60_000;
const HOUR_MS = 3_600_000;

export interface ScanResult {
  scanned: number;
  alertsCreated: number;
  byKind: Record<ScanKind | 'feedback_overdue', number>;
  closed: number;
  ms: number;
}

/**
 * The SLA scan: plain indexed comparisons of the precomputed deadline columns with `now`, in
 * batches, inserting into the alert ledger with ON CONFLICT DO NOTHING, so a rescan, a retry, two
 * scans at once or a restart never duplicate an alert. Only dossiers whose deadline passed since
 * the last scan, or that changed since then, are read again.
 */
@Injectable()
export class SlaScanService {
  /** escalated: still overdue this much working time after the overdue alert fired. */
  private readonly escalationDelayMs = loadSlaPolicy().escalationWorkingHours * HOUR_MS;

  constructor(
    private readonly repo: SlaScanRepository,
    private readonly calendars: CalendarService,
    private readonly feedback: FeedbackOverdueScan,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Optional() @Inject(DELIVERY_ENQUEUER) private readonly delivery?: DeliveryEnqueuer,
  ) {}

  async scan(now: Date): Promise<ScanResult> {
    const started = process.hrtime.bigint();
    const byKind = {
      due_soon: 0,
      overdue: 0,
      stalled: 0,
      escalated: 0,
      supplement_expired: 0,
      feedback_overdue: 0,
    } as ScanResult['byKind'];
    let scanned = 0;
    const emailEnabled = !!this.config.SMTP_URL;
    const sinces: (Date | null)[] = [];
    const calendar = await this.calendars.current();
    // The overdue alerts raised by this scan escalate this much working time after it.
    const escalateAt = calendar.addWorkingMs(now, this.escalationDelayMs);
    for (const kind of SCAN_KINDS) {
      if (kind === 'escalated') {
        byKind.escalated += await this.escalate(now, emailEnabled, calendar);
        continue;
      }
      const mark = await this.repo.watermark(kind);
      const since = mark ? new Date(Math.min(mark.getTime(), now.getTime()) - LOOKBACK_MS) : null;
      sinces.push(since);
      const modes = since ? (['deadline', 'changed'] as const) : (['full'] as const);
      for (const mode of modes) {
        let after: { at: string; id: string } | null = null;
        do {
          const batch = await this.repo.scanBatch(kind, mode, now, since, after, SCAN_BATCH, emailEnabled, escalateAt);
          byKind[kind] += batch.created;
          scanned += batch.scanned;
          if (batch.deliveryIds.length && this.delivery) await this.delivery.enqueue(batch.deliveryIds);
          after = batch.next;
        } while (after);
      }
    }
    // Feedback past its own deadline (15 working days) alerts the unit head too.
    const fb = await this.feedback.run(now, emailEnabled);
    byKind.feedback_overdue = fb.created.length;
    if (fb.deliveries.length && this.delivery) await this.delivery.enqueue(fb.deliveries);
    // Alerts close for dossiers changed since the oldest watermark (all of them on a first scan).
    const oldest = sinces.includes(null) ? null : new Date(Math.min(...sinces.map((d) => d!.getTime())));
    const closed = (await this.repo.closeStale(now, oldest)) + fb.closed;
    // Only now, the whole scan done: a scan that fails anywhere (a dossier resolved meanwhile, its
    // alerts still to close) is redone by the retry from the same watermarks, not from this one's.
    for (const kind of SCAN_KINDS) await this.repo.setWatermark(kind, now);
    const alertsTotal = Object.values(byKind).reduce((a, b) => a + b, 0);
    for (const [kind, n] of Object.entries(byKind)) if (n) alertsCreated.inc({ kind }, n);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    scanDuration.observe(ms / 1000);
    if (alertsTotal || closed)
      this.logger.info({ scanned, alertsCreated: alertsTotal, byKind, closed, ms: Math.round(ms) }, 'sla scan');
    return { scanned, alertsCreated: alertsTotal, byKind, closed, ms };
  }

  /**
   * Escalations (docs/domain.md "Alerts": still overdue 16 working hours after overdue fired): from
   * the open overdue alerts, which carry their escalation instant. Alerts raised before that
   * instant was stored get it first, from their own created_at.
   */
  private async escalate(now: Date, emailEnabled: boolean, calendar: WorkingCalendar): Promise<number> {
    for (;;) {
      const instants = await this.repo.unscheduledEscalations(SCAN_BATCH);
      const pairs = instants.map((i) => ({
        createdAt: i.text,
        escalateAt: calendar.addWorkingMs(i.at, this.escalationDelayMs),
      }));
      // Nothing left, or another scan set them meanwhile.
      if (!pairs.length || (await this.repo.scheduleEscalations(pairs)) === 0) break;
    }
    let created = 0;
    let after: { at: string; id: string } | null = null;
    do {
      const batch = await this.repo.escalateBatch(now, after, SCAN_BATCH, emailEnabled);
      created += batch.created;
      if (batch.deliveryIds.length && this.delivery) await this.delivery.enqueue(batch.deliveryIds);
      after = batch.next;
    } while (after);
    return created;
  }
}
