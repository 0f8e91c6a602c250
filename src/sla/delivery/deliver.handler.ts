import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock } from 'src/common/clock';
import { ROOT_LOGGER } from 'src/common/logger';
import { toLocalIso } from 'src/common/time';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { STATUS_LABEL, type DossierStatus } from 'src/dossiers/lifecycle';
import type { JobPayloads } from 'src/jobs/job-catalogue';
import type { JobHandler } from 'src/jobs/job-handler';
import { deliveriesTotal } from 'src/sla/delivery/delivery.metrics';
import type { AlertMessageInput } from 'src/sla/delivery/delivery.messages';
import {
  type AlertContext,
  type DeliveryChannel,
  DeliveryRepository,
  type DeliveryTx,
  type LockedDelivery,
} from 'src/sla/delivery/delivery.repository';
import { EmailSender, SMTP_SEND_TIMEOUT_MS } from 'src/sla/delivery/email.sender';
import { failure, type SendResult } from 'src/sla/delivery/send-result';
import { WebhookSender } from 'src/sla/delivery/webhook.sender';

/** Thrown to make BullMQ retry the job with backoff; the try is already recorded on the row. */
export class DeliveryRetry extends Error {
  constructor(deliveryId: string, attempts: number, error: string) {
    super(`delivery ${deliveryId}: try ${attempts} failed (${error}); retrying`);
    this.name = 'DeliveryRetry';
  }
}

type Outcome =
  | { result: 'skipped' }
  | { result: 'sent' | 'retry' | 'failed'; channel: DeliveryChannel; attempts: number; error?: string };

/**
 * Sends one alert_deliveries row. The send happens inside a short transaction that holds the row
 * (SELECT ... FOR UPDATE SKIP LOCKED) and records the outcome before committing, so two workers can
 * never both send it: the second finds nothing and returns. The send is bounded (WEBHOOK_TIMEOUT_MS,
 * SMTP timeouts), so the lock and the pooled connection are held for a bounded time. Should the
 * commit fail after the receiver accepted, the row stays pending and is sent again: delivery is at
 * least once, and the stable Message-ID / X-Delivery-Id let a receiver drop the repeat.
 */
@Injectable()
export class DeliverHandler implements JobHandler<'sla.deliver'> {
  readonly job = 'sla.deliver' as const;
  /** Longest send, plus a margin: a session idle longer than that is ended by Postgres (and its lock freed). */
  private readonly idleLimitMs: number;

  constructor(
    private readonly repo: DeliveryRepository,
    private readonly email: EmailSender,
    private readonly webhooks: WebhookSender,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.idleLimitMs = Math.max(config.WEBHOOK_TIMEOUT_MS, SMTP_SEND_TIMEOUT_MS) + 30_000;
  }

  async handle({ deliveryId }: JobPayloads['sla.deliver']): Promise<Outcome> {
    if (!/^\d{1,18}$/.test(deliveryId)) return { result: 'skipped' };
    const outcome = await this.repo.transaction(this.idleLimitMs, async (tx): Promise<Outcome> => {
      const row = await this.repo.lockPending(tx, deliveryId);
      // Already sent or failed, or being sent by another worker right now.
      if (!row) return { result: 'skipped' };
      const sent = await this.attempt(tx, row);
      const attempts = row.attempts + 1;
      const now = this.clock.now();
      if (sent.ok) {
        await this.repo.markSent(tx, row.id, attempts, now);
        return { result: 'sent', channel: row.channel, attempts };
      }
      const final = sent.permanent === true || attempts >= this.config.DELIVERY_MAX_ATTEMPTS;
      await this.repo.markFailedAttempt(tx, row.id, attempts, sent.error, final ? 'failed' : 'pending', now);
      return { result: final ? 'failed' : 'retry', channel: row.channel, attempts, error: sent.error };
    });
    if (outcome.result === 'skipped') return outcome;
    deliveriesTotal.inc({ channel: outcome.channel, result: outcome.result });
    if (outcome.result === 'failed') {
      // The row says so (status, attempts, last_error); GET /webhooks/{id}/deliveries shows it.
      this.logger.warn(
        { deliveryId, channel: outcome.channel, attempts: outcome.attempts, error: outcome.error },
        'alert delivery failed for good',
      );
    }
    if (outcome.result === 'retry') throw new DeliveryRetry(deliveryId, outcome.attempts, outcome.error ?? '');
    return outcome;
  }

  private async attempt(tx: DeliveryTx, row: LockedDelivery): Promise<SendResult> {
    const alert = await this.repo.alertContext(tx, row.alert_id);
    if (!alert) return failure('alert not found', true);
    switch (row.channel) {
      case 'email':
        return this.email.send(row.id, row.target, messageInput(alert));
      case 'webhook': {
        const hook = await this.repo.webhook(tx, row.target);
        if (!hook) return failure('webhook not found', true);
        // Deactivated (DELETE /webhooks/{id}): pending deliveries are not sent to it any more.
        if (!hook.active) return failure('webhook deactivated', true);
        return this.webhooks.send(row.id, hook, {
          id: alert.id,
          kind: alert.kind,
          dossierId: alert.dossier_id,
          dossierCode: alert.dossier_code,
          unitCode: alert.unit_code,
          recipientUserId: alert.recipient_user_id,
          deadlineAt: toLocalIso(alert.deadline_at),
          createdAt: toLocalIso(alert.created_at),
        });
      }
    }
  }
}

function messageInput(a: AlertContext): AlertMessageInput {
  return {
    kind: a.kind,
    dossierCode: a.dossier_code,
    procedureCode: a.procedure_code,
    procedureName: a.procedure_name,
    deadlineAt: a.deadline_at,
    statusLabel: STATUS_LABEL[a.status as DossierStatus] ?? null,
    unit: { code: a.unit_code, name: a.unit_name },
    step: a.step_name ? { name: a.step_name, unitCode: a.step_unit_code, unitName: a.step_unit_name } : null,
    recipientName: a.recipient_name,
  };
}
