import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsObject,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { ListQueryDto } from 'src/auth/dto/auth.dto';
import { TIME_LIMIT_UNITS } from 'src/calendar/dto/calendar.dto';
import type { TimeLimitUnit } from 'src/calendar/working-time';
import { CATALOGUE_MESSAGES as M } from 'src/catalogue/catalogue.messages';
import { IsOmittable } from 'src/catalogue/dto/omittable';
import { UNIT_CODE_PATTERN } from 'src/catalogue/dto/unit.dto';
import { ONLINE_LEVELS, type OnlineLevel } from 'src/catalogue/procedure-version.entity';
import { HHMM_PATTERN } from 'src/common/time';
import { IsDecimalNumber } from 'src/common/validation';

/** National procedure code (1.004227), or a longer local one (1.004227.000.00.00.H15). */
export const PROCEDURE_CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$/;
/** The field's code in the national procedure database (MaLinhVuc, e.g. G09-XD01). */
export const FIELD_CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$/;

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class TimeLimitDto {
  @ApiProperty({ minimum: 1, maximum: 3650, example: 15 }) @IsInt() @Min(1) @Max(3650) amount!: number;
  @ApiProperty({ enum: TIME_LIMIT_UNITS }) @IsIn(TIME_LIMIT_UNITS) unit!: TimeLimitUnit;
}

export class ProcedureStepDto {
  @ApiProperty({ example: 'Thẩm định', maxLength: 200 })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @ApiProperty({ example: 'H15.50.01', description: 'handling unit of the step' })
  @IsString()
  @Matches(UNIT_CODE_PATTERN, { message: M.unitCodeFormat })
  unitCode!: string;

  @ApiProperty({ example: 96, description: 'allotted working hours (> 0, at most 2 decimals)' })
  @IsDecimalNumber(2, { message: M.stepHours })
  @Min(0.01, { message: M.stepHours })
  @Max(87_600)
  workingHours!: number;
}

/** Statutory parts kept as text (Decree 63/2010 Art. 8(2) b, c, d, e); 766 1.3 requires all four. */
export class StatutoryPartsDto {
  @ApiPropertyOptional({ description: 'b) trình tự thực hiện: the sequence of steps', maxLength: 8000 })
  @IsOmittable()
  @IsString()
  @MaxLength(8000)
  sequence?: string;
  @ApiPropertyOptional({
    description: 'c) cách thức thực hiện: how to submit (counter, post, online)',
    maxLength: 8000,
  })
  @IsOmittable()
  @IsString()
  @MaxLength(8000)
  method?: string;
  @ApiPropertyOptional({
    description: 'd) thành phần, số lượng hồ sơ: dossier components and quantity',
    maxLength: 8000,
  })
  @IsOmittable()
  @IsString()
  @MaxLength(8000)
  components?: string;
  @ApiPropertyOptional({ description: 'e) đối tượng thực hiện: who may apply', maxLength: 8000 })
  @IsOmittable()
  @IsString()
  @MaxLength(8000)
  applicants?: string;
}

export class StatutoryPartsResponseDto {
  @ApiProperty() sequence!: string;
  @ApiProperty() method!: string;
  @ApiProperty() components!: string;
  @ApiProperty() applicants!: string;
}

export class CreateProcedureDto {
  @ApiProperty({ example: '1.004227', pattern: PROCEDURE_CODE_PATTERN.source })
  @IsString()
  @Matches(PROCEDURE_CODE_PATTERN, { message: M.procedureCodeFormat })
  code!: string;

  @ApiProperty({ example: 'Cấp giấy phép xây dựng', maxLength: 1000 })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  name!: string;

  @ApiProperty({ example: 'Xây dựng', description: 'field (lĩnh vực)', maxLength: 200 })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  field!: string;

  @ApiPropertyOptional({
    example: 'G09-XD01',
    nullable: true,
    type: String,
    description: "the field's code in the national procedure database (MaLinhVuc, sent to the national portal)",
  })
  @IsOptional()
  @IsString()
  @Matches(FIELD_CODE_PATTERN, { message: M.fieldCodeFormat })
  fieldCode?: string | null;

  @ApiProperty({ example: 'H15.50', description: 'handling unit' })
  @IsString()
  @Matches(UNIT_CODE_PATTERN, { message: M.unitCodeFormat })
  unitCode!: string;

  @ApiProperty({ type: TimeLimitDto, description: 'statutory time limit' })
  @ValidateNested()
  @Type(() => TimeLimitDto)
  timeLimit!: TimeLimitDto;

  @ApiPropertyOptional({
    example: '15:00',
    nullable: true,
    type: String,
    description: 'received at or after it, the clock starts the next working day',
  })
  @IsOptional()
  @IsString()
  @Matches(HHMM_PATTERN, { message: 'intakeCutoff must be HH:MM (00:00-23:59)' })
  intakeCutoff?: string | null;

  @ApiProperty({
    type: [ProcedureStepDto],
    description: 'internal process, in order; allotted hours add up to at most the limit',
  })
  @IsArray()
  @ArrayMinSize(1, { message: M.stepsRequired })
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => ProcedureStepDto)
  steps!: ProcedureStepDto[];

  @ApiPropertyOptional({ enum: ONLINE_LEVELS, default: 'none' })
  @IsOmittable()
  @IsIn(ONLINE_LEVELS)
  onlineLevel?: OnlineLevel;

  @ApiPropertyOptional({ default: false }) @IsOmittable() @IsBoolean() feeBearing?: boolean;
  @ApiPropertyOptional({ default: false }) @IsOmittable() @IsBoolean() paperResultRequired?: boolean;

  @ApiPropertyOptional({
    type: StatutoryPartsDto,
    description: 'statutory parts besides name, time limit and agency (766 1.3)',
  })
  @IsOmittable()
  @IsObject()
  @ValidateNested()
  @Type(() => StatutoryPartsDto)
  statutoryParts?: StatutoryPartsDto;
}

/**
 * Any subset of the rules; a change of rules writes a new version (the old ones stay as they
 * were). `code` may be sent (the full representation) but not changed; `active` is not versioned.
 */
export class UpdateProcedureDto {
  @ApiPropertyOptional({ description: 'the current version; 409 VERSION_CONFLICT if it moved' })
  @IsOmittable()
  @IsInt()
  @Min(1)
  expectedVersion?: number;

  @ApiPropertyOptional({ description: 'must equal the current code' })
  @IsOmittable()
  @IsString()
  @MaxLength(60)
  code?: string;

  @ApiPropertyOptional({ maxLength: 1000 })
  @IsOmittable()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  name?: string;
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOmittable()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  field?: string;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'MaLinhVuc; null removes it' })
  @IsOptional()
  @IsString()
  @Matches(FIELD_CODE_PATTERN, { message: M.fieldCodeFormat })
  fieldCode?: string | null;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsString()
  @Matches(UNIT_CODE_PATTERN, { message: M.unitCodeFormat })
  unitCode?: string;

  @ApiPropertyOptional({ type: TimeLimitDto })
  @IsOmittable()
  @ValidateNested()
  @Type(() => TimeLimitDto)
  timeLimit?: TimeLimitDto;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'null removes the cut-off' })
  @IsOptional()
  @IsString()
  @Matches(HHMM_PATTERN, { message: 'intakeCutoff must be HH:MM (00:00-23:59)' })
  intakeCutoff?: string | null;

  @ApiPropertyOptional({ type: [ProcedureStepDto] })
  @IsOmittable()
  @IsArray()
  @ArrayMinSize(1, { message: M.stepsRequired })
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => ProcedureStepDto)
  steps?: ProcedureStepDto[];

  @ApiPropertyOptional({ enum: ONLINE_LEVELS }) @IsOmittable() @IsIn(ONLINE_LEVELS) onlineLevel?: OnlineLevel;
  @ApiPropertyOptional() @IsOmittable() @IsBoolean() feeBearing?: boolean;
  @ApiPropertyOptional() @IsOmittable() @IsBoolean() paperResultRequired?: boolean;
  @ApiPropertyOptional({ type: StatutoryPartsDto, description: 'the parts given replace those parts; others stay' })
  @IsOmittable()
  @IsObject()
  @ValidateNested()
  @Type(() => StatutoryPartsDto)
  statutoryParts?: StatutoryPartsDto;
  @ApiPropertyOptional({ description: 'false withdraws the procedure from intake (not versioned)' })
  @IsOmittable()
  @IsBoolean()
  active?: boolean;
}

export class ProcedureStepResponseDto {
  @ApiProperty({ description: '0-based position in the process' }) index!: number;
  @ApiProperty() name!: string;
  @ApiProperty() unitCode!: string;
  @ApiProperty() workingHours!: number;
}

export class TimeLimitResponseDto {
  @ApiProperty() amount!: number;
  @ApiProperty({ enum: TIME_LIMIT_UNITS }) unit!: TimeLimitUnit;
}

export class ProcedureDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: '1.004227' }) code!: string;
  @ApiProperty({ description: 'version of the rules shown' }) version!: number;
  @ApiProperty({ description: 'the current version number' }) currentVersion!: number;
  @ApiProperty({
    example: '2026-11-28T09:00:00+07:00',
    description: 'these rules apply to dossiers received from this instant',
  })
  effectiveFrom!: string;
  @ApiProperty() active!: boolean;
  @ApiProperty() name!: string;
  @ApiProperty() field!: string;
  @ApiProperty({ nullable: true, type: String, example: 'G09-XD01' }) fieldCode!: string | null;
  @ApiProperty() unitCode!: string;
  @ApiProperty({ type: TimeLimitResponseDto }) timeLimit!: TimeLimitResponseDto;
  @ApiProperty({ nullable: true, type: String, example: '15:00' }) intakeCutoff!: string | null;
  @ApiProperty({ type: [ProcedureStepResponseDto] }) steps!: ProcedureStepResponseDto[];
  @ApiProperty({ enum: ONLINE_LEVELS }) onlineLevel!: OnlineLevel;
  @ApiProperty() feeBearing!: boolean;
  @ApiProperty() paperResultRequired!: boolean;
  @ApiProperty({ type: StatutoryPartsResponseDto }) statutoryParts!: StatutoryPartsResponseDto;
}

export class ProcedurePageDto {
  @ApiProperty({ type: [ProcedureDto] }) items!: ProcedureDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class ProcedureListQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ description: 'handling unit code' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  unitCode?: string;
  @ApiPropertyOptional({ description: 'field (lĩnh vực), case- and diacritic-insensitive' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  field?: string;
  @ApiPropertyOptional({ description: 'searches code and name, case- and diacritic-insensitive' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
}
