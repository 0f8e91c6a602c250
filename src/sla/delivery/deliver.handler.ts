import { Inject, Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
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
  type ClaimedDelivery,
  type DeliveryChannel,
  DeliveryRepository,
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

/** The database is unreachable or the session was lost (a crash, a restart): worth trying the statement again. */
function connectionLost(err: unknown): boolean {
  const code =
    (err as { code?: unknown; driverError?: { code?: unknown } })?.driverError?.code ??
    (err as { code?: unknown })?.code;
  if (typeof code === 'string' && /^(08|57P0|53300)/.test(code)) return true;
  const message = String((err as Error)?.message ?? '');
  return /Connection terminated|ECONNREFUSED|ECONNRESET|connection timeout|the database system is (starting up|shutting down|in recovery)|timeout exceeded when trying to connect/i.test(
    message,
  );
}

/**
 * Sends one alert_deliveries row: claim, send, record.
 *
 * - The claim is one statement that commits at once (`claimed_until`, a lease longer than the longest
 *   send): two workers can never both send a row, and no lock or transaction is held while the
 *   receiver is being talked to.
 * - The record is one statement right after the receiver accepted (or refused). When the database is
 *   unreachable at that instant (a crash, a failover), the statement is tried again until it is back
 *   or the claim runs out: the acceptance is remembered by the worker, so the message is not sent
 *   twice. Only a worker that dies between the acceptance and the record leaves the row pending; it
 *   is sent again when the claim expires, with the same Message-ID / X-Delivery-Id (derived from the
 *   row id), so that the receiver can drop the repeat: delivery is at least once.
 */
@Injectable()
export class DeliverHandler implements JobHandler<'sla.deliver'> {
  readonly job = 'sla.deliver' as const;
  /** How long a claim lasts: the longest send (WEBHOOK_TIMEOUT_MS, SMTP_SEND_TIMEOUT_MS) plus a margin. */
  private readonly leaseMs: number;

  constructor(
    private readonly repo: DeliveryRepository,
    private readonly email: EmailSender,
    private readonly webhooks: WebhookSender,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.leaseMs = Math.max(config.WEBHOOK_TIMEOUT_MS, SMTP_SEND_TIMEOUT_MS) + 30_000;
  }

  async handle({ deliveryId }: JobPayloads['sla.deliver']): Promise<Outcome> {
    if (!/^\d{1,18}$/.test(deliveryId)) return { result: 'skipped' };
    const claimedAt = Date.now();
    const row = await this.repo.claim(deliveryId, this.leaseMs);
    // Already sent or failed, or being sent by another worker right now.
    if (!row) return { result: 'skipped' };
    let sent: SendResult;
    try {
      sent = await this.attempt(row);
    } catch (err) {
      // Nothing was sent (reading the alert failed: the database went away): end the claim, so
      // that the job's retry can claim it again instead of waiting for the claim to run out.
      await this.record(claimedAt, () => this.repo.release(row.id)).catch(() => undefined);
      throw err;
    }
    const attempts = row.attempts + 1;
    const now = this.clock.now();
    let outcome: Outcome;
    if (sent.ok) {
      await this.record(claimedAt, () => this.repo.markSent(row.id, attempts, now));
      outcome = { result: 'sent', channel: row.channel, attempts };
    } else {
      const final = sent.permanent === true || attempts >= this.config.DELIVERY_MAX_ATTEMPTS;
      await this.record(claimedAt, () =>
        this.repo.markFailedAttempt(row.id, attempts, sent.error, final ? 'failed' : 'pending', now),
      );
      outcome = { result: final ? 'failed' : 'retry', channel: row.channel, attempts, error: sent.error };
    }
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

  /**
   * Runs the recording statement; while the database is unreachable, tries again (100 ms, doubling
   * up to 2 s) until the claim would run out, after which another worker may send the row again.
   */
  private async record(claimedAt: number, write: () => Promise<void>): Promise<void> {
    for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
      try {
        await write();
        return;
      } catch (err) {
        if (!connectionLost(err) || Date.now() + wait >= claimedAt + this.leaseMs) throw err;
        this.logger.warn({ err: (err as Error).message }, 'delivery outcome not recorded yet: database unreachable');
        await sleep(wait);
      }
    }
  }

  private async attempt(row: ClaimedDelivery): Promise<SendResult> {
    const alert = await this.repo.alertContext(row.alert_id);
    if (!alert) return failure('alert not found', true);
    switch (row.channel) {
      case 'email':
        return this.email.send(row.id, row.target, messageInput(alert));
      case 'webhook': {
        const hook = await this.repo.webhook(row.target);
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
          ...(alert.comment_text !== null
            ? { comment: { text: alert.comment_text, authorUserId: alert.comment_author_id } }
            : {}),
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
    comment: a.comment_text !== null ? { text: a.comment_text, authorName: a.comment_author } : null,
  };
}
