import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from 'src/auth/auth-user';
import { CurrentUser, Roles } from 'src/auth/decorators';
import { ListQueryDto } from 'src/auth/dto/auth.dto';
import { ROLES } from 'src/auth/user.entity';
import { CalendarDatePipe } from 'src/calendar/calendar-date.pipe';
import { CalendarService } from 'src/calendar/calendar.service';
import {
  CalendarChangePageDto,
  CalendarDayDto,
  CalendarYearDto,
  ConfirmYearDto,
  DayRangeQueryDto,
  DueQueryDto,
  DueResponseDto,
  SetDayDto,
  WorkingHoursDto,
  WorkingHoursEntryDto,
  WorkingHoursResponseDto,
} from 'src/calendar/dto/calendar.dto';
import type { CalendarYear } from 'src/calendar/calendar.service';
import { decodeCursor, DEFAULT_LIMIT, toPage } from 'src/common/pagination';
import { parseInstant, toLocalIso } from 'src/common/time';

const isVersion = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;

@ApiTags('calendar')
@ApiBearerAuth()
@Controller('calendar')
export class CalendarController {
  constructor(private readonly calendar: CalendarService) {}

  @Get('days')
  @Roles(...ROLES)
  @ApiOkResponse({ type: [CalendarDayDto], description: 'holidays and make-up working days in [from, to], by date' })
  days(@Query() q: DayRangeQueryDto): Promise<CalendarDayDto[]> {
    return this.calendar.listDays(q.from, q.to);
  }

  @Put('days/:date')
  @Roles('admin')
  @ApiOkResponse({ type: CalendarDayDto })
  setDay(
    @Param('date', CalendarDatePipe) date: string,
    @Body() dto: SetDayDto,
    @CurrentUser() actor: AuthUser,
  ): Promise<CalendarDayDto> {
    return this.calendar.setDay(date, dto.kind, dto.name, actor);
  }

  @Delete('days/:date')
  @Roles('admin')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'the date follows the weekly pattern again' })
  async deleteDay(@Param('date', CalendarDatePipe) date: string, @CurrentUser() actor: AuthUser): Promise<void> {
    await this.calendar.deleteDay(date, actor);
  }

  @Get('working-hours')
  @Roles(...ROLES)
  @ApiOkResponse({ type: WorkingHoursResponseDto })
  workingHours(): Promise<WorkingHoursResponseDto> {
    return this.calendar.workingHours();
  }

  @Get('working-hours/schedule')
  @Roles(...ROLES)
  @ApiOkResponse({ type: [WorkingHoursEntryDto], description: 'the office-hours schedule, oldest first' })
  hoursSchedule(): Promise<WorkingHoursEntryDto[]> {
    return this.calendar.hoursSchedule();
  }

  @Get('years')
  @Roles(...ROLES)
  @ApiOkResponse({
    type: [CalendarYearDto],
    description: "each year's plan (official or provisional), at least this year and the next two",
  })
  async years(): Promise<CalendarYearDto[]> {
    return (await this.calendar.years()).map(toYearDto);
  }

  @Post('years/:year/confirm')
  @Roles('admin', 'reform_board')
  @HttpCode(200)
  @ApiOkResponse({ type: CalendarYearDto, description: "the year's plan, now official with the document's number" })
  async confirmYear(
    @Param('year') year: string,
    @Body() dto: ConfirmYearDto,
    @CurrentUser() actor: AuthUser,
  ): Promise<CalendarYearDto> {
    const y = /^\d{4}$/.test(year) ? Number(year) : NaN;
    return toYearDto(await this.calendar.confirmYear(y, dto.source, actor));
  }

  @Put('working-hours')
  @Roles('admin')
  @ApiOkResponse({ type: WorkingHoursResponseDto })
  setWorkingHours(@Body() dto: WorkingHoursDto, @CurrentUser() actor: AuthUser): Promise<WorkingHoursResponseDto> {
    return this.calendar.setWorkingHours(dto, actor);
  }

  @Get('due')
  @Roles(...ROLES)
  @ApiOkResponse({
    type: DueResponseDto,
    description: 'clock start and due instant (+07:00) of a time limit received at `start`',
  })
  async due(@Query() q: DueQueryDto): Promise<DueResponseDto> {
    const start = parseInstant(q.start, 'start');
    const r = await this.calendar.due(start, { amount: q.amount, unit: q.unit }, q.intakeCutoff ?? null);
    return { clockStart: toLocalIso(r.clockStart), dueAt: toLocalIso(r.dueAt), provisional: r.provisional };
  }

  @Get('changes')
  @Roles('admin')
  @ApiOkResponse({ type: CalendarChangePageDto, description: 'the change log, newest first' })
  async changes(@Query() q: ListQueryDto): Promise<CalendarChangePageDto> {
    const limit = q.limit ?? DEFAULT_LIMIT;
    const rows = await this.calendar.listChanges(limit, decodeCursor(q.cursor, isVersion));
    return toPage(
      rows,
      limit,
      (r) => ({
        version: r.version,
        at: toLocalIso(r.at),
        actorUserId: r.actorUserId,
        actorUsername: r.actorUsername,
        kind: r.kind,
        date: r.date,
        before: r.before,
        after: r.after,
      }),
      (r) => r.version,
    );
  }
}

function toYearDto(y: CalendarYear): CalendarYearDto {
  return {
    year: y.year,
    status: y.status,
    source: y.source,
    confirmedBy: y.confirmedBy,
    confirmedAt: toLocalIso(y.confirmedAt),
  };
}
