import { Inject, Injectable } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit, { type Limit } from 'p-limit';
import type { Logger } from 'pino';
import { Clock } from 'src/common/clock';
import { ROOT_LOGGER } from 'src/common/logger';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { type JobPayloads, QUEUE_CONCURRENCY } from 'src/jobs/job-catalogue';
import type { JobHandler } from 'src/jobs/job-handler';
import { CircuitBreaker } from 'src/messages/circuit-breaker';
import { localDayStart, nextDayMorning } from 'src/messages/message-rules';
import { MessagesOutbox } from 'src/messages/messages-outbox.service';
import { citizenMessagesCostVnd, citizenMessagesTotal } from 'src/messages/messages.metrics';
import { type ClaimedMessage, type ClaimResult, MessagesRepository } from 'src/messages/messages.repository';
import { MicroBatcher } from 'src/messages/micro-batcher';
import { CitizenEmailSender } from 'src/messages/providers/citizen-email.sender';
import { providerFailure, type ProviderResult } from 'src/messages/providers/provider-result';
import { SMS_GATEWAY, type SmsGateway } from 'src/messages/providers/sms-gateway';
import { ZaloZnsClient } from 'src/messages/providers/zalo-zns.client';
import { loadTemplates, renderEmail, renderSms, renderZalo } from 'src/messages/templates';

/** Claims (and records of sends) gathered into one statement at most. */
const CLAIM_BATCH = 200;

/** Thrown to make BullMQ retry the job with backoff; the try is already recorded on the row. */
export class MessageRetry extends Error {
  constructor(id: string, attempts: number, error: string) {
    super(`message ${id}: try ${attempts} failed (${error}); retrying`);
    this.name = 'MessageRetry';
  }
}

/** The token in the SMS gateway's callback URL: HMAC-SHA256 of our message id with SMS_SECRET_KEY. */
export function smsCallbackToken(secret: string, messageId: string): string {
  return createHmac('sha256', secret).update(messageId).digest('hex');
}

export type SendOutcome =
  | { result: 'none' | 'skipped' }
  | { result: 'wait'; until: string }
  | { result: 'sent' | 'retry' | 'failed' | 'fallback'; channel: string; attempts: number; error?: string };

/** The database is unreachable or the session was lost: worth trying the recording statement again. */
function connectionLost(err: unknown): boolean {
  const code = (err as { driverError?: { code?: unknown } })?.driverError?.code ?? (err as { code?: unknown })?.code;
  if (typeof code === 'string' && /^(08|57P0|53300)/.test(code)) return true;
  return /Connection terminated|ECONNREFUSED|ECONNRESET|connection timeout|shutting down|starting up/i.test(
    String((err as Error)?.message ?? ''),
  );
}

/**
 * Sends one citizen_messages row: claim (consent, quiet hours, daily cap), send through the
 * channel's provider, record. The claim commits before the provider is called and the record is one
 * statement right after its answer; a worker killed in between leaves the row claimed until the
 * lease runs out, and the repeat carries the same tracking id (ZNS `tracking_id`, eSMS `RequestId`,
 * the e-mail's Message-ID), which the provider uses to drop the duplicate.
 *
 * Zalo that cannot reach the person (no account, number refused, quota, Zalo off, or every try
 * failed) hands the message to SMS: a fallback row for the same milestone occurrence.
 *
 * Throughput: the worker runs many of these jobs at once (QUEUE_CONCURRENCY.messages). Their claims
 * made in the same turn of the event loop go to the database as one claim_citizen_messages call
 * (one round trip, one commit), and so do their records of accepted sends; the provider calls of
 * each channel are at most MESSAGES_PROVIDER_CONCURRENCY at a time (over Node's keep-alive
 * connections), so a slow provider is not flooded and its answers are awaited in parallel.
 */
@Injectable()
export class SendMessageHandler implements JobHandler<'messages.send'> {
  readonly job = 'messages.send' as const;
  private readonly leaseMs: number;
  private readonly breakers = { sms: new CircuitBreaker(), zalo: new CircuitBreaker(), email: new CircuitBreaker() };
  private readonly limits: Record<ClaimedMessage['channel'], Limit>;
  private readonly claims: MicroBatcher<string, ClaimResult>;
  private readonly sentRecords: MicroBatcher<Parameters<MessagesRepository['markSentMany']>[0][number], void>;

  constructor(
    private readonly repo: MessagesRepository,
    private readonly outbox: MessagesOutbox,
    private readonly zalo: ZaloZnsClient,
    @Inject(SMS_GATEWAY) private readonly sms: SmsGateway,
    private readonly email: CitizenEmailSender,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    // A Zalo send may refresh the token first: two provider calls and the OAuth call; before it, a
    // claimed message may wait for a free provider slot while the jobs ahead of it run.
    const bound = config.MESSAGES_PROVIDER_CONCURRENCY;
    const inFlight = QUEUE_CONCURRENCY.messages ?? config.WORKER_CONCURRENCY;
    this.leaseMs = (3 + Math.ceil(inFlight / bound)) * config.MESSAGES_TIMEOUT_MS + 5_000;
    this.limits = { sms: pLimit(bound), zalo: pLimit(bound), email: pLimit(bound) };
    this.claims = new MicroBatcher((ids) => this.claimBatch(ids), CLAIM_BATCH);
    this.sentRecords = new MicroBatcher<Parameters<MessagesRepository['markSentMany']>[0][number], void>(
      async (items) => {
        await this.repo.markSentMany(items);
        return items.map(() => undefined);
      },
      CLAIM_BATCH,
    );
  }

  /** One claim for the ids of a batch; an id twice in it (two jobs of one message) is claimed once. */
  private async claimBatch(ids: string[]): Promise<ClaimResult[]> {
    const now = this.clock.now();
    const results = await this.repo.claimMany([...new Set(ids)], {
      leaseMs: this.leaseMs,
      now,
      dayStart: localDayStart(now),
      nextMorning: nextDayMorning(now),
      cap: this.config.MESSAGES_DAILY_CAP_PER_PHONE,
    });
    const answered = new Set<string>();
    return ids.map((id) => {
      if (answered.has(id)) return { kind: 'none' };
      answered.add(id);
      return results.get(id) ?? { kind: 'none' };
    });
  }

  async handle({ messageId }: JobPayloads['messages.send']): Promise<SendOutcome> {
    if (!/^[0-9a-f-]{36}$/i.test(messageId)) return { result: 'none' };
    const now = this.clock.now();
    const claimedAt = Date.now();
    const claim = await this.claims.add(messageId);
    if (claim.kind === 'none') return { result: 'none' };
    if (claim.kind === 'skipped') return { result: 'skipped' };
    if (claim.kind === 'wait') {
      await this.outbox.enqueue([messageId], { at: claim.until, now });
      return { result: 'wait', until: claim.until.toISOString() };
    }
    const row = claim.row;
    const breaker = this.breakers[row.channel];
    if (!breaker.allow(Date.now())) {
      // The provider is failing: leave the row as it was and try at the job's next backoff.
      await this.repo.release(row.id);
      throw new MessageRetry(row.id, row.attempts, `${row.channel} circuit open`);
    }
    let sent: { result: ProviderResult; segments: number; costVnd: number; version: string };
    try {
      sent = await this.limits[row.channel](() => this.attempt(row));
    } catch (err) {
      await this.repo.release(row.id).catch(() => undefined);
      throw err;
    }
    const r = sent.result;
    breaker.record(!r.ok && r.kind === 'retry', Date.now());
    const attempts = row.attempts + 1;
    const at = this.clock.now();
    const unit = row.unit_id;
    if (r.ok) {
      await this.record(claimedAt, () =>
        this.sentRecords.add({
          id: row.id,
          attempts,
          at,
          providerMessageId: r.providerMessageId,
          segments: sent.segments,
          costVnd: sent.costVnd,
          templateVersion: sent.version,
        }),
      );
      citizenMessagesTotal.inc({ unit, channel: row.channel, result: 'sent' });
      citizenMessagesCostVnd.inc({ unit, channel: row.channel }, sent.costVnd);
      return { result: 'sent', channel: row.channel, attempts };
    }
    const final = r.kind !== 'retry' || attempts >= this.config.DELIVERY_MAX_ATTEMPTS;
    await this.record(claimedAt, () => this.repo.markFailedAttempt(row.id, attempts, r.error, final, at));
    if (!final) {
      citizenMessagesTotal.inc({ unit, channel: row.channel, result: 'retry' });
      throw new MessageRetry(row.id, attempts, r.error);
    }
    citizenMessagesTotal.inc({ unit, channel: row.channel, result: 'failed' });
    if (row.channel === 'zalo') {
      const fallback = await this.repo.insertFallback(row.id, at);
      if (fallback) {
        citizenMessagesTotal.inc({ unit, channel: 'sms', result: 'fallback' });
        await this.outbox.enqueue([fallback]);
        return { result: 'fallback', channel: row.channel, attempts, error: r.error };
      }
    }
    this.logger.warn(
      { messageId: row.id, channel: row.channel, milestone: row.milestone, attempts, error: r.error },
      'citizen message failed for good',
    );
    return { result: 'failed', channel: row.channel, attempts, error: r.error };
  }

  private async attempt(
    row: ClaimedMessage,
  ): Promise<{ result: ProviderResult; segments: number; costVnd: number; version: string }> {
    const t = loadTemplates();
    switch (row.channel) {
      case 'sms': {
        const sms = renderSms(t, row.milestone, row.params);
        const callbackUrl =
          this.config.PUBLIC_BASE_URL && this.config.SMS_SECRET_KEY
            ? `${this.config.PUBLIC_BASE_URL.replace(/\/+$/, '')}/api/v1/integrations/sms/callback?id=${row.id}&token=${smsCallbackToken(this.config.SMS_SECRET_KEY, row.id)}`
            : null;
        const result = await this.sms.send({
          id: row.id,
          phone: row.to_address,
          text: sms.text,
          unicode: sms.unicode,
          callbackUrl,
        });
        return { result, segments: sms.segments, costVnd: sms.segments * t.costs.smsSegmentVnd, version: t.version };
      }
      case 'zalo': {
        const z = renderZalo(t, row.milestone, row.params);
        const result = this.zalo.configured
          ? await this.zalo.send({ id: row.id, phone: row.to_address, templateId: z.templateId, data: z.data })
          : providerFailure('permanent', 'Zalo not configured');
        return { result, segments: 1, costVnd: t.costs.zaloMessageVnd, version: t.version };
      }
      case 'email': {
        const mail = renderEmail(t, row.milestone, row.params);
        const result = await this.email.send(row.id, row.to_address, mail);
        return { result, segments: 1, costVnd: t.costs.emailVnd, version: t.version };
      }
    }
  }

  /** Runs the recording statement; while the database is unreachable, tries again until the claim would run out. */
  private async record(claimedAt: number, write: () => Promise<void>): Promise<void> {
    for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
      try {
        await write();
        return;
      } catch (err) {
        if (!connectionLost(err) || Date.now() + wait >= claimedAt + this.leaseMs) throw err;
        await sleep(wait);
      }
    }
  }
}
