import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PERIOD_PATTERN } from 'src/reports/dto/reports.dto';

export class PeriodParam {
  @ApiProperty({ example: '2026-Q1', description: 'YYYY, YYYY-H1|H2, YYYY-Q1..Q4 or YYYY-MM' })
  @Matches(PERIOD_PATTERN, { message: 'period must be YYYY, YYYY-H1, YYYY-Q1 or YYYY-MM' })
  period!: string;
}

export class ReopenPeriodDto {
  @ApiProperty({ description: 'why the closed figures are opened again (audited)' })
  @IsString()
  @IsNotEmpty()
  @Matches(/\S/, { message: 'reason must not be blank' })
  @MaxLength(2000)
  reason!: string;
}

export class ClosedPeriodDto {
  @ApiProperty({ example: '2026-Q1' }) period!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ example: '2026-01-01' }) from!: string;
  @ApiProperty({ example: '2026-03-31' }) to!: string;
  @ApiProperty({ enum: ['closed', 'reopened'] }) status!: 'closed' | 'reopened';
  @ApiProperty({ description: 'SHA-256 (hex) of the snapshot' }) hash!: string;
  @ApiProperty({ format: 'uuid' }) closedBy!: string;
  @ApiProperty({ nullable: true, type: String }) closedByUsername!: string | null;
  @ApiProperty() closedAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) reopenedBy!: string | null;
  @ApiProperty({ nullable: true, type: String }) reopenedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) reopenReason!: string | null;
}

export class ClosedPeriodListDto {
  @ApiProperty({ type: [ClosedPeriodDto] }) items!: ClosedPeriodDto[];
}

export class AdjustmentCauseDto {
  @ApiProperty({
    description:
      'the action whose event changed the figure, or "import" / "calendar"; for feedback and catalogue indicators ' +
      '"feedback_answer", "feedback_overdue" (its deadline passed unanswered), "rating", "feedback" (another feedback ' +
      'on the dossier), "catalogue" (the procedure changed) or "online_use" (its online dossiers or payments changed)',
  })
  action!: string;
  @ApiProperty({ nullable: true, type: String, description: 'the instant of that event' }) at!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) actorUserId!: string | null;
}

export class AdjustmentDto {
  @ApiProperty({ description: 'the closed version the adjustment is against' }) version!: number;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'the dossier (of a feedback adjustment: the dossier the feedback is about); null for a procedure',
  })
  dossierId!: string | null;
  @ApiProperty({ nullable: true, type: String }) dossierCode!: string | null;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'feedback indicators (5.2, 5.3): the feedback whose count changed',
  })
  feedbackId!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'catalogue indicators (1.3, 3.1, 3.2, 3.6): the procedure whose count changed',
  })
  procedureCode!: string | null;
  @ApiProperty({
    example: 'resolvedLate',
    description:
      'a form-06a count name, or `index:<indicatorKey>` for an index indicator (measured from dossiers, feedback or the catalogue)',
  })
  figure!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    enum: ['numerator', 'denominator'],
    description: 'index figures: the part of the indicator’s fraction that changes; null for a form-06a count',
  })
  part!: 'numerator' | 'denominator' | null;
  @ApiProperty({ description: 'by how much the figure would have changed' }) delta!: number;
  @ApiProperty({ type: AdjustmentCauseDto }) cause!: AdjustmentCauseDto;
  @ApiProperty() recordedAt!: string;
}

export class AdjustmentsDto {
  @ApiProperty({ example: '2026-Q1' }) period!: string;
  @ApiProperty({ type: [AdjustmentDto] }) items!: AdjustmentDto[];
}

export class CorrectionsQuery {
  @ApiProperty({ example: '2026-03', description: 'corrections made in this period (by the month of the correction)' })
  @Matches(PERIOD_PATTERN, { message: 'period must be YYYY, YYYY-H1, YYYY-Q1 or YYYY-MM' })
  period!: string;

  @ApiPropertyOptional({ example: 'H15.50', description: 'dossiers of this unit subtree (default: yours, or all)' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  unitCode?: string;
}

export class CorrectionDto {
  @ApiProperty({ format: 'uuid' }) dossierId!: string;
  @ApiProperty() dossierCode!: string;
  @ApiProperty({ description: 'when the correction was made' }) at!: string;
  @ApiProperty({ description: 'the due instant it set' }) dueAt!: string;
  @ApiProperty() reason!: string;
  @ApiProperty() documentRef!: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) actorUserId!: string | null;
  @ApiProperty({ nullable: true, type: String }) actorUsername!: string | null;
}

export class CorrectionsDto {
  @ApiProperty({ example: '2026-03' }) period!: string;
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty() unitCode!: string;
  @ApiProperty({ type: [CorrectionDto] }) items!: CorrectionDto[];
}
