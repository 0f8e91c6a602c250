import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { DATE_PATTERN } from 'src/common/time';
import { CRITERIA, FEEDBACK_KINDS, VERDICTS } from 'src/public/citizen-rules';

const toLimit = ({ value }: { value: unknown }) => (value === undefined ? undefined : Number(value));
const toBool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

class PageQuery {
  @ApiPropertyOptional({ default: 50, maximum: 500 })
  @IsOptional()
  @Transform(toLimit)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) cursor?: string;
}

// ---- ratings ------------------------------------------------------------------------------------

export class ListRatingsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'dossiers the unit receives, handles or has a step of' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  unitCode?: string;
  @ApiPropertyOptional({ example: '2026-01-01', description: 'rated on or after this local date' })
  @IsOptional()
  @Matches(DATE_PATTERN, { message: 'from must be a date YYYY-MM-DD' })
  from?: string;
  @ApiPropertyOptional({ example: '2026-03-31', description: 'rated on or before this local date' })
  @IsOptional()
  @Matches(DATE_PATTERN, { message: 'to must be a date YYYY-MM-DD' })
  to?: string;
}

export class CriterionSummaryDto {
  @ApiProperty({ enum: CRITERIA }) key!: string;
  @ApiProperty({ example: 'Việc công khai thủ tục hành chính' }) label!: string;
  @ApiProperty({ description: 'exact sum of the scores' }) sum!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'sum / count, rounded to 2 decimals' })
  average!: number | null;
}

export class VerdictCountsDto {
  @ApiProperty() very_satisfied!: number;
  @ApiProperty() satisfied!: number;
  @ApiProperty() dissatisfied!: number;
}

export class RatingDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) dossierId!: string;
  @ApiProperty() dossierCode!: string;
  @ApiProperty() procedureCode!: string;
  @ApiProperty() ratedAt!: string;
  @ApiProperty({ type: [Number], description: `scores in the order ${CRITERIA.join(', ')}` }) criteria!: number[];
  @ApiProperty({ description: 'out of 18' }) total!: number;
  @ApiProperty({ enum: VERDICTS }) verdict!: string;
  @ApiProperty({ nullable: true, type: String }) comment!: string | null;
}

export class RatingsPageDto {
  @ApiProperty({ description: 'ratings matching the filter (all pages)' }) count!: number;
  @ApiProperty({ type: [CriterionSummaryDto] }) criteria!: CriterionSummaryDto[];
  @ApiProperty({ nullable: true, type: Number, description: 'average total score, out of 18' })
  averageTotal!: number | null;
  @ApiProperty({ type: VerdictCountsDto }) verdicts!: VerdictCountsDto;
  @ApiProperty({ type: [RatingDto] }) items!: RatingDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

// ---- feedback -----------------------------------------------------------------------------------

export class ListFeedbackQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'feedback assigned to this unit' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  unitCode?: string;
  @ApiPropertyOptional({ type: Boolean, description: 'true: not answered yet; false: answered' })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  open?: boolean;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() dossierId?: string;
}

export class FeedbackDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) dossierId!: string;
  @ApiProperty() dossierCode!: string;
  @ApiProperty({ description: 'the unit it is assigned to (the dossier handling unit)' }) unitCode!: string;
  @ApiProperty({ enum: FEEDBACK_KINDS }) kind!: string;
  @ApiProperty() kindLabel!: string;
  @ApiProperty({ description: 'whether it counts as a complaint against the unit (index)' }) complaint!: boolean;
  @ApiProperty() content!: string;
  @ApiProperty() lodgedAt!: string;
  @ApiProperty() dueAt!: string;
  @ApiProperty({ description: 'open and past its deadline, as of now' }) overdue!: boolean;
  @ApiProperty({ nullable: true, type: String }) answer!: string | null;
  @ApiProperty({ nullable: true, type: Boolean, description: 'the verdict given with the answer; null if none' })
  upheld!: boolean | null;
  @ApiProperty({ nullable: true, type: String }) answeredAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) answeredByUserId!: string | null;
  @ApiProperty({ nullable: true, type: Boolean, description: 'answered by its deadline; null while open' })
  answeredOnTime!: boolean | null;
}

export class AnswerFeedbackDto {
  @ApiPropertyOptional({ maxLength: 4000, description: 'the answer to the citizen' })
  @ValidateIf((o: AnswerFeedbackDto) => o.answer === undefined || o.answer === null || o.content !== undefined)
  @IsString()
  @Matches(/\S/, { message: 'content must not be blank' })
  @MaxLength(4000)
  content?: string;

  @ApiPropertyOptional({ maxLength: 4000, deprecated: true, description: 'the earlier name of `content`' })
  @IsOptional()
  @IsString()
  @Matches(/\S/, { message: 'answer must not be blank' })
  @MaxLength(4000)
  answer?: string;

  @ApiPropertyOptional({ description: 'the verdict: was the feedback upheld (the officials annual record)' })
  @IsOptional()
  @IsBoolean()
  upheld?: boolean;
}
