import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from 'src/common/logger';
import { CitizensRepository } from 'src/public/citizens.repository';

export interface FeedbackScanResult {
  /** Ids of the alerts created. */
  created: string[];
  /** Ids of their outbox rows (written with them), for the caller to enqueue. */
  deliveries: string[];
  /** Alerts closed because all feedback behind them has been answered. */
  closed: number;
}

/**
 * Overdue feedback: an open (unanswered) feedback past its own deadline raises a
 * `feedback_overdue` alert to the head of the unit it is assigned to, once per dossier, deadline
 * and recipient (the alert ledger's key); answering closes it (in the answer's transaction, and
 * here again for anything missed). Idempotent: safe to run on every SLA scan tick, concurrently,
 * or twice. Called from the SLA scan; no state of its own (the open set is small and indexed by
 * deadline, so no watermark is needed).
 */
@Injectable()
export class FeedbackOverdueScan {
  constructor(
    private readonly repo: CitizensRepository,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /** Runs one pass at `now` (no e-mail); returns the number of alerts created. */
  async scan(now: Date): Promise<number> {
    return (await this.run(now, false)).created.length;
  }

  /** One pass: the alerts created with their outbox rows (e-mail when `emailEnabled`), then closes. */
  async run(now: Date, emailEnabled: boolean): Promise<FeedbackScanResult> {
    const { created, deliveries } = await this.repo.raiseFeedbackAlerts(now, emailEnabled);
    const closed = await this.repo.closeAnsweredAlerts(now);
    if (created.length || closed) this.logger.info({ created: created.length, closed }, 'feedback overdue scan');
    return { created, deliveries, closed };
  }
}
