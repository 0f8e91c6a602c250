import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from 'src/auth/auth-user';
import { CurrentUser, Roles } from 'src/auth/decorators';
import { ROLES } from 'src/auth/user.entity';
import { Clock } from 'src/common/clock';
import type { Page } from 'src/common/pagination';
import { uuidPipe } from 'src/common/uuid.pipe';
import { AlertsService } from 'src/sla/alerts.service';
import { AlertDto, ListAlertsQuery, ScanResultDto } from 'src/sla/dto/alert.dto';
import { SlaScanService } from 'src/sla/sla-scan.service';

@ApiTags('sla')
@ApiBearerAuth()
@Controller()
export class SlaController {
  constructor(
    private readonly scans: SlaScanService,
    private readonly alerts: AlertsService,
    private readonly clock: Clock,
  ) {}

  /** Runs a scan now, in this process (the worker also runs it every SLA_SCAN_CRON tick). */
  @Post('sla/scan')
  @HttpCode(200)
  @Roles('admin')
  @ApiOkResponse({ type: ScanResultDto })
  async scan(): Promise<ScanResultDto> {
    const r = await this.scans.scan(this.clock.now());
    return { scanned: r.scanned, alertsCreated: r.alertsCreated, alertsClosed: r.closed };
  }

  @Get('alerts')
  @Roles(...ROLES)
  list(@Query() q: ListAlertsQuery, @CurrentUser() user: AuthUser): Promise<Page<AlertDto>> {
    return this.alerts.list(q, user);
  }

  @Post('alerts/:id/acknowledge')
  @HttpCode(200)
  @Roles(...ROLES)
  @ApiOkResponse({ type: AlertDto })
  acknowledge(@Param('id', uuidPipe) id: string, @CurrentUser() user: AuthUser): Promise<AlertDto> {
    return this.alerts.acknowledge(id, user);
  }
}
