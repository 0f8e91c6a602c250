import { Controller, Get, Header, Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type IORedis from 'ioredis';
import { DataSource } from 'typeorm';
import { within } from 'src/common/within';
import { Public } from 'src/auth/decorators';
import { DomainError } from 'src/common/domain-error';
import { registry } from 'src/common/metrics';
import { CalendarService } from 'src/calendar/calendar.service';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { ReadReplicas } from 'src/database/read-replicas';
import { QueueService } from 'src/jobs/queue.service';
import { createRedis } from 'src/jobs/redis';
import { Gauge } from 'prom-client';

const CHECK_TIMEOUT_MS = 2000;

const calendarHorizonDays = new Gauge({
  name: 'calendar_confirmed_horizon_days',
  help: 'Days from today to the end of the confirmed (official) working-time calendar; 0 when this year is not confirmed',
  registers: [registry],
});
const queueJobs = new Gauge({
  name: 'queue_jobs',
  help: 'BullMQ jobs by queue and state (read at scrape time)',
  labelNames: ['queue', 'state'] as const,
  registers: [registry],
});

@Injectable()
export class HealthService implements OnModuleDestroy {
  private readonly redis: IORedis;

  constructor(
    private readonly dataSource: DataSource,
    private readonly queues: QueueService,
    private readonly calendars: CalendarService,
    private readonly reads: ReadReplicas,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.redis = createRedis(config, 'probe');
  }

  async ready() {
    const [pg, redis] = await Promise.allSettled([
      within(this.dataSource.query('SELECT 1'), CHECK_TIMEOUT_MS),
      within(this.redis.ping(), CHECK_TIMEOUT_MS),
    ]);
    const checks = {
      postgres: pg.status === 'fulfilled' ? 'up' : 'down',
      redis: redis.status === 'fulfilled' ? 'up' : 'down',
    };
    if (checks.postgres === 'up' && checks.redis === 'up') {
      // Still ready (the service works), but say what an operator must act on.
      const calendar = await this.calendars
        .horizon()
        .then((h) => h.warnings)
        .catch(() => []);
      // Read replicas down or lagging: reads fall back to the primary, so still ready.
      return { status: 'ready', checks, warnings: [...calendar, ...this.reads.warnings()] };
    }
    throw new DomainError(
      'NOT_READY',
      'Dịch vụ chưa sẵn sàng.',
      Object.entries(checks)
        .filter(([, v]) => v === 'down')
        .map(([k]) => ({ field: k, message: `${k} is unreachable` })),
    );
  }

  onModuleDestroy() {
    this.redis.disconnect();
  }

  /** Exposed as GET /api/v1/metrics by MetricsController. */
  async metricsText(): Promise<string> {
    const horizon = await this.calendars.horizon().catch(() => null);
    if (horizon) calendarHorizonDays.set(horizon.daysLeft);
    try {
      const counts = await within(this.queues.jobCounts(), CHECK_TIMEOUT_MS);
      queueJobs.reset();
      for (const [queue, states] of Object.entries(counts)) {
        for (const [state, n] of Object.entries(states)) queueJobs.set({ queue, state }, n);
      }
    } catch {
      // Redis down: queue gauges keep their last values; readiness reports the outage.
    }
    return registry.metrics();
  }
}

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Public()
  @Get()
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live() {
    return { status: 'ok' };
  }

  @Public()
  @Get('ready')
  @ApiOkResponse({
    schema: {
      example: {
        status: 'ready',
        checks: { postgres: 'up', redis: 'up' },
        warnings: [{ code: 'CALENDAR_HORIZON', message: 'Lịch nghỉ lễ năm 2027 vẫn là lịch dự kiến…' }],
      },
    },
  })
  @ApiServiceUnavailableResponse({ description: 'PostgreSQL or Redis unreachable (error shape, code NOT_READY)' })
  ready() {
    return this.health.ready();
  }
}

@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly health: HealthService) {}

  @Public()
  @Get()
  @Header('Content-Type', registry.contentType)
  @ApiOkResponse({ description: 'Prometheus text format' })
  metrics(): Promise<string> {
    return this.health.metricsText();
  }
}
