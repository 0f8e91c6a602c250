import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from 'src/auth/auth-user';
import { CurrentUser, Roles } from 'src/auth/decorators';
import { validateDto } from 'src/common/validation';
import { ClosedPeriodsService } from 'src/reports/closed-periods.service';
import {
  AdjustmentsDto,
  ClosedPeriodDto,
  ClosedPeriodListDto,
  CorrectionsDto,
  CorrectionsQuery,
  PeriodParam,
  ReopenPeriodDto,
} from 'src/reports/dto/closed-periods.dto';

const period = (value: string) => validateDto(PeriodParam, { period: value }).period;

/** Closed periods (docs/http-api.md "Closed periods") and the deadline corrections report. */
@ApiTags('reports')
@ApiBearerAuth()
@Controller('reports')
export class ClosedPeriodsController {
  constructor(private readonly periods: ClosedPeriodsService) {}

  @Get('periods')
  @Roles('admin', 'reform_board')
  @ApiOkResponse({ type: ClosedPeriodListDto, description: 'closed and reopened periods, every version' })
  list(): Promise<ClosedPeriodListDto> {
    return this.periods.list();
  }

  @Post('periods/:period/close')
  @HttpCode(200)
  @Roles('admin', 'reform_board')
  @ApiParam({ name: 'period', example: '2026-Q1' })
  @ApiOkResponse({ type: ClosedPeriodDto })
  close(@Param('period') p: string, @CurrentUser() user: AuthUser): Promise<ClosedPeriodDto> {
    return this.periods.close(period(p), user);
  }

  @Post('periods/:period/reopen')
  @HttpCode(200)
  @Roles('admin')
  @ApiParam({ name: 'period', example: '2026-Q1' })
  @ApiOkResponse({ type: ClosedPeriodDto, description: 'the version that was closed, now reopened' })
  reopen(
    @Param('period') p: string,
    @Body() dto: ReopenPeriodDto,
    @CurrentUser() user: AuthUser,
  ): Promise<ClosedPeriodDto> {
    return this.periods.reopen(period(p), dto.reason, user);
  }

  @Get('periods/:period/adjustments')
  @Roles('admin', 'reform_board')
  @ApiParam({ name: 'period', example: '2026-Q1' })
  @ApiOkResponse({ type: AdjustmentsDto })
  adjustments(@Param('period') p: string): Promise<AdjustmentsDto> {
    return this.periods.adjustments(period(p));
  }

  @Get('corrections')
  @Roles('admin', 'reform_board', 'unit_head')
  @ApiOkResponse({ type: CorrectionsDto, description: "every deadline correction (leaders' tools) of the period" })
  corrections(@Query() q: CorrectionsQuery, @CurrentUser() user: AuthUser): Promise<CorrectionsDto> {
    return this.periods.corrections(q, user);
  }
}
