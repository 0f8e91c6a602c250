import { SchedulerRegistry } from '@nestjs/schedule';
import pino from 'pino';
import type { AppConfig } from 'src/config/app-config';
import { TICKS } from 'src/jobs/job-catalogue';
import type { QueueService } from 'src/jobs/queue.service';
import { TickScheduler } from 'src/jobs/tick-scheduler.service';

describe('TickScheduler', () => {
  const config = {
    HEARTBEAT_CRON: '* * * * *',
    SLA_SCAN_CRON: 'off',
    SWEEP_CRON: '*/5 * * * *',
    REPORTS_COMPACT_CRON: 'off',
    PORTAL_SYNC_CRON: '* * * * *',
  } as AppConfig;

  it('schedules every tick whose schedule is not off, and none of the others', () => {
    const registry = new SchedulerRegistry();
    const scheduler = new TickScheduler(config, pino({ level: 'silent' }), registry, {} as QueueService);
    scheduler.onApplicationBootstrap();
    try {
      const scheduled = [...registry.getCronJobs().keys()].sort();
      const expected = TICKS.filter((t) => config[t.cron] !== 'off')
        .map((t) => `tick:${t.name}`)
        .sort();
      expect(scheduled).toEqual(expected);
      expect(scheduled.some((n) => n === 'tick:sla-scan' || n === 'tick:reports-compact')).toBe(false);
      expect(scheduled).toContain('tick:heartbeat');
    } finally {
      scheduler.onModuleDestroy();
    }
  });
});
