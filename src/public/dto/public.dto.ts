import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
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
} from 'class-validator';
import { STATUSES } from 'src/dossiers/lifecycle';
import { CRITERIA, FEEDBACK_KINDS, VERDICTS } from 'src/public/citizen-rules';

const lookupKeyProperty = {
  description: 'the lookup key printed on the receipt (Mã tra cứu); letters are not case-sensitive',
  example: 'K7QM4XP2RT9A',
};

export class PublicFeedbackDto {
  @ApiProperty({ enum: FEEDBACK_KINDS }) kind!: string;
  @ApiProperty({ example: 'Phản ánh, kiến nghị khác' }) kindLabel!: string;
  @ApiProperty({ example: '2026-02-13T10:00:00+07:00' }) lodgedAt!: string;
  @ApiProperty({ description: 'the deadline to handle it: 15 working days from lodging' }) dueAt!: string;
  @ApiProperty({ nullable: true, type: String }) answeredAt!: string | null;
  @ApiProperty({ nullable: true, type: String, description: "the handling unit's answer" }) answer!: string | null;
}

/** What the agency asked the applicant to add (while the dossier waits for it). */
export class PublicSupplementRequestDto {
  @ApiProperty({ example: '2026-02-16T09:00:00+07:00' }) requestedAt!: string;
  @ApiProperty({ example: 'Thiếu bản vẽ thiết kế' }) reason!: string;
  @ApiProperty({ type: [String], example: ['Bản vẽ mặt bằng', 'Bản sao sổ đỏ'] }) items!: string[];
}

/** The public view of a dossier: status and dates only, never personal data. */
export class PublicDossierDto {
  @ApiProperty({ example: 'H15.50-260213-0007' }) code!: string;
  @ApiProperty() procedureName!: string;
  @ApiProperty({ enum: STATUSES }) status!: string;
  @ApiProperty({ example: 'Đã tiếp nhận' }) statusLabel!: string;
  @ApiProperty() receivedAt!: string;
  @ApiProperty({ nullable: true, type: String, description: 'the appointment; null while the clock is paused' })
  dueAt!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'the new appointment after an extension' })
  promisedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) endedAt!: string | null;
  @ApiProperty({ description: 'whether the dossier has been rated' }) rated!: boolean;
  @ApiProperty({ type: [PublicFeedbackDto] }) feedback!: PublicFeedbackDto[];
  @ApiProperty({
    type: PublicSupplementRequestDto,
    nullable: true,
    description: 'while the status is awaiting_supplement: the reason and the papers asked for',
  })
  supplementRequest!: PublicSupplementRequestDto | null;
}

export class RateDossierDto {
  @ApiProperty(lookupKeyProperty) @IsString() @MinLength(1) @MaxLength(64) lookupKey!: string;

  @ApiProperty({
    type: [Number],
    minItems: 9,
    maxItems: 9,
    description: `nine scores 0..2, in this order: ${CRITERIA.join(', ')}`,
    example: [2, 2, 2, 1, 2, 2, 2, 2, 1],
  })
  @IsArray()
  @ArrayMinSize(CRITERIA.length)
  @ArrayMaxSize(CRITERIA.length)
  @IsInt({ each: true })
  @Min(0, { each: true })
  @Max(2, { each: true })
  criteria!: number[];

  @ApiProperty({ enum: VERDICTS }) @IsIn(VERDICTS) verdict!: (typeof VERDICTS)[number];

  @ApiPropertyOptional({ maxLength: 2000 }) @IsOptional() @IsString() @MaxLength(2000) comment?: string;
}

export class RatingReceiptDto {
  @ApiProperty() code!: string;
  @ApiProperty() ratedAt!: string;
  @ApiProperty({ description: 'sum of the nine scores (out of 18)' }) total!: number;
  @ApiProperty({ enum: VERDICTS }) verdict!: string;
}

export class LodgeFeedbackDto {
  @ApiProperty(lookupKeyProperty) @IsString() @MinLength(1) @MaxLength(64) lookupKey!: string;
  @ApiProperty({ enum: FEEDBACK_KINDS }) @IsIn(FEEDBACK_KINDS) kind!: (typeof FEEDBACK_KINDS)[number];
  @ApiProperty({ maxLength: 4000 })
  @IsString()
  @Matches(/\S/, { message: 'content must not be blank' })
  @MaxLength(4000)
  content!: string;
}

export class LodgedFeedbackDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: FEEDBACK_KINDS }) kind!: string;
  @ApiProperty() lodgedAt!: string;
  @ApiProperty({ description: 'the deadline to handle it: 15 working days from lodging' }) dueAt!: string;
}
