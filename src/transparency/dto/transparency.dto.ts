import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PERIOD_PATTERN } from 'src/reports/dto/reports.dto';

export class PublicStatsQuery {
  @ApiPropertyOptional({
    example: '2026-Q1',
    description: 'YYYY, YYYY-H1|H2, YYYY-Q1..Q4 or YYYY-MM (default: this month)',
  })
  @IsOptional()
  @Matches(PERIOD_PATTERN, { message: 'period must be YYYY, YYYY-H1, YYYY-Q1 or YYYY-MM' })
  period?: string;

  @ApiPropertyOptional({ example: 'H15.50', description: 'a unit subtree (default: the province)' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  unitCode?: string;

  @ApiPropertyOptional({ enum: ['unit', 'field'], default: 'unit' })
  @IsOptional()
  @IsIn(['unit', 'field'])
  groupBy?: 'unit' | 'field';

  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}

export class PublicBoardQuery {
  @ApiPropertyOptional({ example: 'H15.50', description: 'one centre or commune (default: the province)' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  unitCode?: string;
}

export class PublicStatsRowDto {
  @ApiProperty() unitCode!: string;
  @ApiProperty() unitName!: string;
  @ApiPropertyOptional({ description: 'groupBy=field' }) field?: string;
  @ApiProperty({ description: 'received in the period (not carried over)' }) received!: number;
  @ApiProperty({ description: 'resolved, rejected or stopped in the period' }) resolved!: number;
  @ApiProperty() resolvedEarly!: number;
  @ApiProperty() resolvedOnTime!: number;
  @ApiProperty() resolvedLate!: number;
  @ApiProperty({ description: 'open and overdue as of computedAt' }) overdueNow!: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: '(early + on time) / resolved, 0..1; null with nothing resolved',
  })
  onTimeRate!: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'ratings very satisfied or satisfied / ratings, 0..1' })
  satisfaction!: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'rank in the published index (groupBy=unit)' })
  indexRank!: number | null;
}

export class PublicStatsDto {
  @ApiProperty({ example: '2026-Q1' }) period!: string;
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty({ enum: ['unit', 'field'] }) groupBy!: string;
  @ApiProperty() unitCode!: string;
  @ApiProperty() unitName!: string;
  @ApiProperty({ description: 'when the figures were computed (they are shared for the cache interval)' })
  computedAt!: string;
  @ApiProperty({ description: 'true: a closed period, from its snapshot' }) frozen!: boolean;
  @ApiProperty({ type: [PublicStatsRowDto] }) rows!: PublicStatsRowDto[];
}

export class BoardUnitDto {
  @ApiProperty() unitCode!: string;
  @ApiProperty() unitName!: string;
  @ApiProperty({ description: 'received today' }) received!: number;
  @ApiProperty({ description: 'open and within time, now' }) inProgressWithin!: number;
  @ApiProperty({ description: 'open and overdue, now' }) inProgressOverdue!: number;
  @ApiProperty({ description: 'resolved, result not yet collected' }) readyForCollection!: number;
  @ApiProperty({ description: 'results returned today' }) returned!: number;
}

export class BoardReadyDto {
  @ApiProperty() code!: string;
  @ApiProperty() procedureName!: string;
  @ApiProperty({ example: 'Nguyễn V. A.', description: 'family name and initials only' }) applicantMasked!: string;
}

export class PublicBoardDto {
  @ApiProperty() computedAt!: string;
  @ApiProperty() unitCode!: string;
  @ApiProperty() unitName!: string;
  @ApiProperty({ type: [BoardUnitDto] }) today!: BoardUnitDto[];
  @ApiProperty({ nullable: true, type: Number, description: "this month's (early + on time) / resolved" })
  monthOnTimeRate!: number | null;
  @ApiProperty({ type: [BoardReadyDto] }) ready!: BoardReadyDto[];
}
