import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidationOptions,
} from 'class-validator';
import { CALENDAR_MESSAGES as M } from 'src/calendar/calendar.messages';
import { CALENDAR_CHANGE_KINDS, type CalendarChangeKind } from 'src/calendar/calendar-change.entity';
import { DAY_KINDS, type DayKind } from 'src/calendar/calendar-day.entity';
import { isRealDate, weekdaysProblem, workingPeriodsProblem } from 'src/calendar/calendar-rules';
import type { TimeLimitUnit } from 'src/calendar/working-time';
import { HHMM_PATTERN } from 'src/common/time';

export const TIME_LIMIT_UNITS: readonly TimeLimitUnit[] = ['working_days', 'working_hours', 'calendar_days'];

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const toNumber = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() !== '' ? Number(value) : value;

/** A real date written YYYY-MM-DD. */
export function IsLocalDate(options?: ValidationOptions) {
  return ValidateBy(
    { name: 'isLocalDate', validator: { validate: (v) => isRealDate(v), defaultMessage: () => M.dateFormat } },
    options,
  );
}

/** Sorted, non-overlapping ["HH:MM", "HH:MM"] pairs, at least one. */
function IsWorkingPeriods(options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isWorkingPeriods',
      validator: {
        validate: (v) => workingPeriodsProblem(v) === null,
        defaultMessage: (args) => workingPeriodsProblem(args?.value) ?? M.periodShape,
      },
    },
    options,
  );
}

function IsWeekdays(options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isWeekdays',
      validator: { validate: (v) => weekdaysProblem(v) === null, defaultMessage: () => M.weekdays },
    },
    options,
  );
}

export class CalendarDayDto {
  @ApiProperty({ example: '2026-02-16', format: 'date' }) date!: string;
  @ApiProperty({ enum: DAY_KINDS }) kind!: DayKind;
  @ApiProperty({ example: 'Tết Nguyên đán Bính Ngọ' }) name!: string;
}

export class DayRangeQueryDto {
  @ApiProperty({ example: '2026-01-01', format: 'date', description: 'first local date, inclusive' })
  @IsString()
  @IsLocalDate()
  from!: string;
  @ApiProperty({
    example: '2026-12-31',
    format: 'date',
    description: 'last local date, inclusive; at most 10 years after `from`',
  })
  @IsString()
  @IsLocalDate()
  to!: string;
}

export class SetDayDto {
  @ApiProperty({ enum: DAY_KINDS, description: 'holiday: a weekday off; working: a make-up working day' })
  @IsIn(DAY_KINDS)
  kind!: DayKind;
  @ApiProperty({ example: 'Nghỉ bù Quốc khánh', maxLength: 200 })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;
}

const PERIODS_SCHEMA = {
  type: 'array',
  minItems: 1,
  items: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'string', pattern: '^\\d{2}:\\d{2}$' } },
  example: [
    ['07:30', '11:30'],
    ['13:00', '17:00'],
  ],
} as const;

export class WorkingHoursDto {
  @ApiPropertyOptional({
    example: '2027-04-15',
    format: 'date',
    description: 'the hours apply from this local date until the next entry of the schedule (default: today)',
  })
  @IsOptional()
  @IsString()
  @IsLocalDate()
  effectiveFrom?: string;

  @ApiProperty({
    type: [Number],
    example: [1, 2, 3, 4, 5],
    description: 'ISO weekdays, 1 = Monday .. 7 = Sunday, unique',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(7)
  @IsWeekdays()
  weekdays!: number[];

  @ApiProperty({
    ...PERIODS_SCHEMA,
    description: 'local periods ["HH:MM", "HH:MM"], sorted, non-overlapping, start before end (an end may be 24:00)',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(12)
  @IsWorkingPeriods()
  periods!: [string, string][];
}

export class WorkingHoursEntryDto {
  @ApiProperty({ example: '2027-04-15', format: 'date', description: 'the hours apply from this local date' })
  effectiveFrom!: string;
  @ApiProperty({ type: [Number], example: [1, 2, 3, 4, 5] }) weekdays!: number[];
  @ApiProperty(PERIODS_SCHEMA) periods!: [string, string][];
}

export class WorkingHoursResponseDto extends WorkingHoursEntryDto {
  @ApiProperty({ description: 'calendar version' }) version!: number;
}

export class CalendarYearDto {
  @ApiProperty({ example: 2027 }) year!: number;
  @ApiProperty({
    enum: ['official', 'provisional'],
    description: 'provisional: generated from the Labour Code rules, not yet confirmed',
  })
  status!: 'official' | 'provisional';
  @ApiProperty({ nullable: true, type: String, example: 'Thông báo 9441/TB-BNV (16/10/2025)' }) source!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'null: confirmed by the system' })
  confirmedBy!: string | null;
  @ApiProperty({ nullable: true, type: String, example: '2026-10-20T09:00:00+07:00' }) confirmedAt!: string | null;
}

export class ConfirmYearDto {
  @ApiProperty({ example: 'Công văn 12729/VPCP-KGVX (25/12/2025)', maxLength: 500 })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  source!: string;
}

export class DueQueryDto {
  @ApiProperty({ example: '2026-02-13T10:00:00+07:00', description: 'reception instant, ISO-8601 with an offset' })
  @IsString()
  @MaxLength(40)
  start!: string;

  @ApiProperty({ minimum: 1, maximum: 3650, example: 3 })
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(3650)
  amount!: number;

  @ApiProperty({ enum: TIME_LIMIT_UNITS })
  @IsIn(TIME_LIMIT_UNITS)
  unit!: TimeLimitUnit;

  @ApiPropertyOptional({
    example: '15:00',
    description: 'received at or after it on a working day, the clock starts the next working day',
  })
  @IsOptional()
  @IsString()
  @Matches(HHMM_PATTERN, { message: 'intakeCutoff must be HH:MM (00:00-23:59)' })
  intakeCutoff?: string;
}

export class DueResponseDto {
  @ApiProperty({ example: '2026-02-13T10:00:00+07:00' }) clockStart!: string;
  @ApiProperty({ example: '2026-02-25T10:00:00+07:00' }) dueAt!: string;
  @ApiProperty({ description: 'true when the computation crossed a day of a year whose plan is not confirmed' })
  provisional!: boolean;
}

export class CalendarChangeDto {
  @ApiProperty({ description: 'calendar version this edit produced' }) version!: number;
  @ApiProperty({ example: '2026-11-28T09:00:00+07:00' }) at!: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'null for the seed' }) actorUserId!:
    string | null;
  @ApiProperty({ nullable: true, type: String }) actorUsername!: string | null;
  @ApiProperty({ enum: CALENDAR_CHANGE_KINDS }) kind!: CalendarChangeKind;
  @ApiProperty({ nullable: true, type: String, format: 'date' }) date!: string | null;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true }) before!: unknown;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true }) after!: unknown;
}

export class CalendarChangePageDto {
  @ApiProperty({ type: [CalendarChangeDto] }) items!: CalendarChangeDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
