import { Inject, Injectable } from '@nestjs/common';
import { Worker } from 'bullmq';
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { Clock } from 'src/common/clock';
import { ROOT_LOGGER } from 'src/common/logger';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { canonicalJson } from 'src/integrations/dvcqg-format';
import type { JobPayloads } from 'src/jobs/job-catalogue';
import type { JobHandler } from 'src/jobs/job-handler';
import { PortalAnswer, PortalClient } from 'src/portal-sync/portal-client';
import { toPortalRecord, toProgressItem } from 'src/portal-sync/portal-record';
import { portalSyncTotal } from 'src/portal-sync/portal-sync.metrics';
import { PortalSyncRepository } from 'src/portal-sync/portal-sync.repository';

/** Progress items per CapNhatTienDoHoSoMC call (the field systems send at most 10). */
export const ITEMS_PER_CALL = 10;

/** Thrown to make BullMQ retry with backoff; the attempt is already recorded on the row. */
export class PortalSyncRetry extends Error {
  constructor(dossierId: string, attempts: number, error: string) {
    super(`portal sync ${dossierId}: try ${attempts} failed (${error}); retrying`);
    this.name = 'PortalSyncRetry';
  }
}

export type PortalSyncOutcome =
  | { result: 'off' | 'skipped' }
  | { result: 'synced'; records: number; items: number }
  | { result: 'failed'; attempts: number; error: string };

/**
 * Sends one dossier's pending sync: the DongBoHoSoMC record when it changed since the portal last
 * took it ("False" the first time, "True" after; an "already exists" answer to "False" is sent again
 * as "True"), then one CapNhatTienDoHoSoMC item per event not yet accepted, in event order. Each
 * accepted call moves the row's marks, so a failure resumes where it stopped and nothing is sent
 * out of order. Idempotent: it works from the portal_sync row, claimed for the duration.
 *
 * A portal asking to slow down (429, or 503 with Retry-After: PortalClient pauses the whole sync)
 * stops the dossier where it is, like a failure, but is none: the claim is released, the row's
 * attempts and the failed-sync list are untouched, and the job goes back to the queue through
 * BullMQ's RateLimitError (no attempt counted, its priority kept), to resume after the pause.
 */
@Injectable()
export class PortalSyncHandler implements JobHandler<'portal.sync'> {
  readonly job = 'portal.sync' as const;
  private readonly leaseMs: number;

  constructor(
    private readonly repo: PortalSyncRepository,
    private readonly client: PortalClient,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    // Login and resend included: a few calls of PORTAL_SYNC_TIMEOUT_MS per batch of items.
    this.leaseMs = config.PORTAL_SYNC_TIMEOUT_MS * 4 + 30_000;
  }

  async handle({ dossierId }: JobPayloads['portal.sync']): Promise<PortalSyncOutcome> {
    if (!this.client.configured) return { result: 'off' };
    if (!/^[0-9a-f-]{36}$/i.test(dossierId)) return { result: 'skipped' };
    const row = await this.repo.claim(dossierId, this.leaseMs);
    if (!row) return { result: 'skipped' };
    let records = 0;
    let items = 0;
    let error: string | null = null;
    let throttled: string | null = null;
    /** An answer that is not accepted: a throttle or an error, either stops this dossier here. */
    const refused = (what: string, answer: PortalAnswer & { ok: false }) => {
      if (answer.throttled) throttled = `${what}: ${answer.error}`;
      else error = `${what}: ${answer.error}`;
    };
    try {
      const dossier = await this.repo.dossier(dossierId);
      if (!dossier) {
        await this.repo.release(dossierId);
        return { result: 'skipped' };
      }
      const record = toPortalRecord(dossier, await this.repo.result({ id: dossierId, created_at: dossier.created_at }));
      const hash = createHash('sha256').update(canonicalJson(record)).digest('hex');
      if (hash !== row.record_hash) {
        let answer = await this.client.send('DongBoHoSoMC', [record], row.record_hash !== null);
        if (!answer.ok && answer.exists && row.record_hash === null)
          answer = await this.client.send('DongBoHoSoMC', [record], true);
        if (!answer.ok) refused('DongBoHoSoMC', answer);
        else {
          await this.repo.recordSent(dossierId, hash, row.record_rev);
          records++;
        }
      } else if (row.record_synced_rev < row.record_rev) {
        // Changed and changed back, or a change this record already carried: the portal has it.
        await this.repo.recordSent(dossierId, hash, row.record_rev);
      }
      if (!error && !throttled) {
        const events = await this.repo.events(
          { id: dossierId, created_at: dossier.created_at },
          row.synced_seq,
          row.target_seq,
        );
        for (let i = 0; i < events.length && !error && !throttled; i += ITEMS_PER_CALL) {
          const chunk = events.slice(i, i + ITEMS_PER_CALL);
          const answer = await this.client.send(
            'CapNhatTienDoHoSoMC',
            chunk.map((e) => toProgressItem(dossier.code, e)),
          );
          if (!answer.ok) refused('CapNhatTienDoHoSoMC', answer);
          else {
            await this.repo.progressSent(dossierId, chunk[chunk.length - 1].seq);
            items += chunk.length;
          }
        }
      }
    } catch (err) {
      await this.repo.release(dossierId).catch(() => undefined);
      throw err;
    }
    if (throttled) {
      // What the portal accepted before it said "slow down" is marked; the rest waits for the pause.
      await this.repo.release(dossierId);
      this.logger.info({ dossierId, records, items, reason: throttled }, 'portal sync paused by the portal');
      throw Worker.RateLimitError();
    }
    const now = this.clock.now();
    if (!error) {
      await this.repo.succeeded(dossierId, now);
      portalSyncTotal.inc({ result: 'synced' });
      return { result: 'synced', records, items };
    }
    const attempts = await this.repo.failed(dossierId, error, now);
    portalSyncTotal.inc({ result: 'failed' });
    this.logger.warn({ dossierId, attempts, error }, 'portal sync failed');
    throw new PortalSyncRetry(dossierId, attempts, error);
  }
}
