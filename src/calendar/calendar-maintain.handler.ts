import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { CalendarRepository } from 'src/calendar/calendar.repository';
import { CalendarService } from 'src/calendar/calendar.service';
import { Clock } from 'src/common/clock';
import { ROOT_LOGGER } from 'src/common/logger';
import { localDate, VN_OFFSET_MINUTES } from 'src/common/time';
import type { JobPayloads } from 'src/jobs/job-catalogue';
import type { JobHandler } from 'src/jobs/job-handler';

/**
 * The calendar's own tick: keeps the stored calendar current (official corrections shipped with a
 * release, years generated two ahead) and, while the confirmed horizon is short or next year is
 * still provisional, keeps one open `calendar_horizon` alert per admin and board member for that
 * horizon (the alert's deadline is the end of the confirmed calendar, so a tick never adds a second
 * one; a confirmation that moves the horizon closes it).
 */
@Injectable()
export class CalendarMaintainHandler implements JobHandler<'calendar.maintain'> {
  readonly job = 'calendar.maintain' as const;

  constructor(
    private readonly calendars: CalendarService,
    private readonly repo: CalendarRepository,
    private readonly clock: Clock,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async handle(_payload: JobPayloads['calendar.maintain']): Promise<{ raised: number; closed: number }> {
    const now = this.clock.now();
    await this.calendars.sync(now);
    const horizon = await this.calendars.horizon(now);
    // The alert's deadline: the first instant after the confirmed calendar (or today's start when none).
    const end = horizon.confirmedUntil ?? localDate(now);
    const deadline = new Date(Date.parse(`${end}T00:00:00Z`) + 86_400_000 - VN_OFFSET_MINUTES * 60_000);
    const warn = horizon.warnings.length > 0;
    const closed = await this.repo.closeHorizonAlerts(warn ? deadline : null, now);
    const raised = warn ? await this.repo.raiseHorizonAlerts(deadline, now) : 0;
    if (raised) this.logger.warn({ confirmedUntil: horizon.confirmedUntil, raised }, 'calendar horizon alert raised');
    return { raised, closed };
  }
}
