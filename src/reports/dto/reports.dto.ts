import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { DATE_PATTERN } from 'src/common/time';
import { COUNT_KEYS, GROUP_BYS, INDEX_GROUP_KEYS } from 'src/reports/report.types';
import type { GroupBy } from 'src/reports/report.types';

export const REPORT_FORMATS = ['json', 'csv', 'xlsx', 'pdf'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
export const PERIOD_PATTERN = /^\d{4}(-(H[12]|Q[1-4]|0[1-9]|1[0-2]))?$/;

class ReportQueryBase {
  @ApiPropertyOptional({
    example: 'H15.50',
    description: 'report on this unit subtree (default: yours, or the province)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  unitCode?: string;

  @ApiPropertyOptional({ enum: REPORT_FORMATS, default: 'json' })
  @IsOptional()
  @IsIn(REPORT_FORMATS)
  format?: ReportFormat;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 28,
    description: 'period convention: 1 = calendar periods (default from config/reports.json), 15 = 15th to 14th',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(28)
  cutoffDay?: number;
}

class DatedQuery extends ReportQueryBase {
  @ApiPropertyOptional({ example: '2026-01-01', description: 'first local date (with `to`), instead of `period`' })
  @IsOptional()
  @Matches(DATE_PATTERN, { message: 'from must be a date YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({ example: '2026-03-31', description: 'last local date, inclusive' })
  @IsOptional()
  @Matches(DATE_PATTERN, { message: 'to must be a date YYYY-MM-DD' })
  to?: string;

  @ApiPropertyOptional({
    example: '2026-Q1',
    description: 'YYYY, YYYY-H1|H2, YYYY-Q1..Q4 or YYYY-MM, instead of from/to',
  })
  @IsOptional()
  @Matches(PERIOD_PATTERN, { message: 'period must be YYYY, YYYY-H1, YYYY-Q1 or YYYY-MM' })
  period?: string;
}

export class ProcessingQuery extends DatedQuery {
  @ApiPropertyOptional({ enum: GROUP_BYS, default: 'unit' })
  @IsOptional()
  @IsIn(GROUP_BYS)
  groupBy?: GroupBy;

  @ApiPropertyOptional({
    minimum: 1,
    description: 'a closed period: read this version of its snapshot (default: the one in force)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000000)
  version?: number;
}

export class OfficialsQuery extends DatedQuery {
  @ApiPropertyOptional({
    example: 2026,
    description: 'a calendar year (the annual evaluation), instead of period or from/to',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1900)
  @Max(2200)
  year?: number;
}

export class IndexQuery extends ReportQueryBase {
  @ApiProperty({ example: '2026-Q1', description: 'YYYY, YYYY-H1|H2, YYYY-Q1..Q4 or YYYY-MM' })
  @Matches(PERIOD_PATTERN, { message: 'period must be YYYY, YYYY-H1, YYYY-Q1 or YYYY-MM' })
  period!: string;

  @ApiPropertyOptional({
    minimum: 1,
    description: 'a closed period: read this version of its snapshot (default: the one in force)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000000)
  version?: number;
}

export class IndexInputDto {
  @ApiProperty({ example: '2026-Q1' })
  @Matches(PERIOD_PATTERN, { message: 'period must be YYYY, YYYY-H1, YYYY-Q1 or YYYY-MM' })
  period!: string;

  @ApiProperty({ example: 'H15.50' }) @IsString() @IsNotEmpty() @MaxLength(40) unitCode!: string;

  @ApiProperty({ example: 'published_on_time', description: 'an indicator whose source is "entered"' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(60)
  indicatorKey!: string;

  @ApiProperty({ minimum: 0, maximum: 1, example: 0.95 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  ratio!: number;
}

// ---- responses (OpenAPI) ----

export class Counts06aDto {
  @ApiProperty() receivedTotal!: number;
  @ApiProperty() receivedOnline!: number;
  @ApiProperty() receivedDirect!: number;
  @ApiProperty() carriedOver!: number;
  @ApiProperty() resolvedTotal!: number;
  @ApiProperty() resolvedEarly!: number;
  @ApiProperty() resolvedOnTime!: number;
  @ApiProperty() resolvedLate!: number;
  @ApiProperty() withdrawn!: number;
  @ApiProperty() inProgressTotal!: number;
  @ApiProperty() inProgressWithin!: number;
  @ApiProperty() inProgressOverdue!: number;
}
// Keep the DTO in step with the counts of the report types.
const _countKeys: readonly (keyof Counts06aDto)[] = COUNT_KEYS;
void _countKeys;

export class ProcessingRowDto extends Counts06aDto {
  @ApiProperty() unitCode!: string;
  @ApiProperty() unitName!: string;
  @ApiPropertyOptional({ description: 'groupBy=field' }) field?: string;
  @ApiPropertyOptional({ description: 'groupBy=procedure' }) procedureCode?: string;
  @ApiPropertyOptional({ description: 'groupBy=procedure' }) procedureName?: string;
}

export class CarriedAdjustmentDto {
  @ApiProperty({ example: '2026-Q1', description: 'the closed period the adjustment is about' }) period!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ example: 'resolvedLate', description: 'a form-06a count, or `index:<indicatorKey>`' }) figure!: string;
  @ApiPropertyOptional({
    enum: ['numerator', 'denominator'],
    description: 'index figures: the part of the fraction that changes',
  })
  part?: 'numerator' | 'denominator';
  @ApiProperty() delta!: number;
  @ApiProperty({
    description: 'dossiers behind the adjustment (of feedback adjustments: the dossiers the feedback is about)',
  })
  dossiers!: number;
  @ApiPropertyOptional({
    description: 'catalogue indicators (1.3, 3.1, 3.2, 3.6): the procedures behind the adjustment',
  })
  procedures?: number;
}

export class ProcessingReportDto {
  @ApiProperty({ example: '2026-01-01' }) from!: string;
  @ApiProperty({ example: '2026-03-31' }) to!: string;
  @ApiProperty({ enum: GROUP_BYS }) groupBy!: GroupBy;
  @ApiProperty() unitCode!: string;
  @ApiProperty() unitName!: string;
  @ApiProperty() generatedAt!: string;
  @ApiProperty({ type: [ProcessingRowDto] }) rows!: ProcessingRowDto[];
  @ApiProperty({ type: Counts06aDto }) total!: Counts06aDto;
  @ApiPropertyOptional({ description: 'true: a closed period, answered from its snapshot' }) frozen?: boolean;
  @ApiPropertyOptional({ description: 'closed periods: the snapshot version' }) version?: number;
  @ApiPropertyOptional({ description: 'closed periods: SHA-256 of the snapshot' }) hash?: string;
  @ApiPropertyOptional({ description: 'closed periods: when it was closed' }) closedAt?: string;
  @ApiPropertyOptional({
    type: [CarriedAdjustmentDto],
    description: 'the period right after a closed one: adjustments recorded against it (the note of the form)',
  })
  carriedAdjustments?: CarriedAdjustmentDto[];
}

export class IndexIndicatorDto {
  @ApiProperty() key!: string;
  @ApiProperty() label!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    example: '2.1',
    description: "the national portal's indicator number (Decision 766); null when not in the portal's document",
  })
  portalRef!: string | null;
  @ApiProperty({
    description:
      'how it is computed: numerator, denominator, period basis, and the rules chosen where the portal is silent',
  })
  method!: string;
  @ApiProperty() points!: number;
  @ApiProperty() max!: number;
  @ApiProperty({ nullable: true, type: Number }) ratio!: number | null;
  @ApiProperty({ nullable: true, type: Number }) numerator!: number | null;
  @ApiProperty({ nullable: true, type: Number }) denominator!: number | null;
  @ApiProperty({ enum: ['computed', 'entered'] }) source!: 'computed' | 'entered';
  @ApiPropertyOptional({ nullable: true, type: String, description: 'entered: username' }) enteredBy?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) enteredAt?: string | null;
}

export class IndexGroupDto {
  @ApiProperty({ enum: INDEX_GROUP_KEYS }) key!: string;
  @ApiProperty() label!: string;
  @ApiProperty() points!: number;
  @ApiProperty() max!: number;
  @ApiProperty({ type: [IndexIndicatorDto] }) indicators!: IndexIndicatorDto[];
}

export class IndexUnitDto {
  @ApiProperty() unitCode!: string;
  @ApiProperty() unitName!: string;
  @ApiProperty() total!: number;
  @ApiProperty({ description: 'ties share a rank (1, 2, 2, 4)' }) rank!: number;
  @ApiProperty({ nullable: true, type: String }) band!: string | null;
  @ApiProperty({ type: [IndexGroupDto] }) groups!: IndexGroupDto[];
}

export class IndexReportDto {
  @ApiProperty({ example: '2026-Q1' }) period!: string;
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty() unitCode!: string;
  @ApiProperty() unitName!: string;
  @ApiProperty() generatedAt!: string;
  @ApiProperty({ type: [IndexUnitDto] }) units!: IndexUnitDto[];
  @ApiPropertyOptional({ description: 'true: a closed period, answered from its snapshot' }) frozen?: boolean;
  @ApiPropertyOptional({ description: 'closed periods: the snapshot version' }) version?: number;
  @ApiPropertyOptional({ description: 'closed periods: SHA-256 of the snapshot' }) hash?: string;
  @ApiPropertyOptional({ description: 'closed periods: when it was closed' }) closedAt?: string;
  @ApiPropertyOptional({
    type: [CarriedAdjustmentDto],
    description: 'the period right after a closed one: index adjustments recorded against it (the note)',
  })
  carriedAdjustments?: CarriedAdjustmentDto[];
}

export class IndexInputResultDto {
  @ApiProperty() period!: string;
  @ApiProperty() unitCode!: string;
  @ApiProperty() indicatorKey!: string;
  @ApiProperty() ratio!: number;
  @ApiProperty({ nullable: true, type: Number }) previousRatio!: number | null;
  @ApiProperty() enteredBy!: string;
  @ApiProperty() enteredAt!: string;
}

export class OfficialRowDto {
  @ApiProperty() userId!: string;
  @ApiProperty() username!: string;
  @ApiProperty() fullName!: string;
  @ApiProperty() unitCode!: string;
  @ApiProperty() unitName!: string;
  @ApiProperty() stepsHandled!: number;
  @ApiProperty() stepsEarly!: number;
  @ApiProperty() stepsOnTime!: number;
  @ApiProperty() stepsLate!: number;
  @ApiProperty({ nullable: true, type: Number }) onTimeRate!: number | null;
  @ApiProperty({ description: 'supplement requests the official made' }) supplementRequests!: number;
  @ApiProperty({ description: 'of them, breaches of the one-request rule (a second or later request)' })
  supplementBreaches!: number;
  @ApiProperty({ description: 'ratings of dossiers of theirs (a step they completed): very satisfied' })
  ratedVerySatisfied!: number;
  @ApiProperty() ratedSatisfied!: number;
  @ApiProperty() ratedDissatisfied!: number;
  @ApiProperty({ description: 'conduct feedback lodged on dossiers of theirs' }) conductFeedback!: number;
  @ApiProperty({ description: 'of it, upheld when answered' }) conductFeedbackUpheld!: number;
  @ApiProperty({ description: 'extensions of dossiers where they had completed a step late before' })
  extensionsCaused!: number;
}

export class OfficialsTotalDto {
  @ApiProperty() stepsHandled!: number;
  @ApiProperty() stepsEarly!: number;
  @ApiProperty() stepsOnTime!: number;
  @ApiProperty() stepsLate!: number;
  @ApiProperty({ nullable: true, type: Number }) onTimeRate!: number | null;
}

export class OfficialsReportDto {
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty() unitCode!: string;
  @ApiProperty() unitName!: string;
  @ApiProperty() generatedAt!: string;
  @ApiProperty({ type: [OfficialRowDto] }) rows!: OfficialRowDto[];
  @ApiProperty({ type: OfficialsTotalDto }) total!: OfficialsTotalDto;
}

export class OfficialSheetQuery {
  @ApiProperty({ example: 2026 })
  @Type(() => Number)
  @IsInt()
  @Min(1900)
  @Max(2200)
  year!: number;

  @ApiPropertyOptional({ enum: ['json', 'pdf'], default: 'json' })
  @IsOptional()
  @IsIn(['json', 'pdf'])
  format?: 'json' | 'pdf';
}

export class OfficialSheetDto extends OfficialRowDto {
  @ApiProperty({ example: 2026 }) year!: number;
  @ApiProperty() role!: string;
  @ApiProperty() generatedAt!: string;
}
