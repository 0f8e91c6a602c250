import { Injectable, OnModuleInit } from '@nestjs/common';
import { QueueService } from 'src/jobs/queue.service';
import { readPortalPauseWith } from 'src/portal-sync/portal-sync.metrics';

/** Where a pause is set by a manual rate limit: the limiter key holds this (BullMQ's own value). */
const PAUSED = Number.MAX_SAFE_INTEGER;

/**
 * The portal's "slow down", shared by every process: a 429 (or a 503 with Retry-After) pauses the
 * portal queue through BullMQ's manual rate limit, a Redis key with the pause as its TTL. While it
 * lives, no worker replica takes a portal job (the limiter holds them, both lanes), and a job
 * already running asks here before each call and stops. The key is the limiter's own: the regular
 * rate (PORTAL_SYNC_DOSSIERS_PER_SECOND) writes a small counter there, a pause writes the largest
 * safe integer, so a pause is told apart from the rate's spacing.
 */
@Injectable()
export class PortalThrottle implements OnModuleInit {
  constructor(private readonly queues: QueueService) {}

  onModuleInit(): void {
    readPortalPauseWith(() => this.pausedMs());
  }

  /** Milliseconds left of the current pause (0: none). Redis unreachable counts as no pause. */
  async pausedMs(): Promise<number> {
    try {
      return Math.max(0, Number(await this.queues.queue('portal').getRateLimitTtl(PAUSED)) || 0);
    } catch {
      return 0;
    }
  }

  /** Pauses the whole sync for `ms`, unless a longer pause is already set (it is never shortened). */
  async pause(ms: number): Promise<void> {
    if ((await this.pausedMs()) >= ms) return;
    await this.queues.queue('portal').rateLimit(ms);
  }
}
