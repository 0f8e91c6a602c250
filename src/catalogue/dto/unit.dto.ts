import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { ListQueryDto } from 'src/auth/dto/auth.dto';
import { CATALOGUE_MESSAGES as M } from 'src/catalogue/catalogue.messages';
import { IsOmittable } from 'src/catalogue/dto/omittable';

/** The agency's electronic identifier: H15.50, H15.50.01 (same rule as the units table's CHECK). */
export const UNIT_CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class UnitDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'H15.50' }) code!: string;
  @ApiProperty({ example: 'Sở Xây dựng' }) name!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    example: '000.00.01.H22',
    description: "the unit's identifier code on the national public-service portal",
  })
  portalCode!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'H15' }) parentCode!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) headUserId!: string | null;
  @ApiProperty() active!: boolean;
}

export class CreateUnitDto {
  @ApiProperty({ example: 'H15.50', pattern: UNIT_CODE_PATTERN.source })
  @IsString()
  @Matches(UNIT_CODE_PATTERN, { message: M.unitCodeFormat })
  code!: string;

  @ApiProperty({ example: 'Sở Xây dựng', maxLength: 300 })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  name!: string;

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: '000.00.01.H22',
    pattern: UNIT_CODE_PATTERN.source,
    description: "the unit's identifier code on the national public-service portal (unique; null removes it)",
  })
  @IsOptional()
  @IsString()
  @Matches(UNIT_CODE_PATTERN, { message: M.portalCodeFormat })
  portalCode?: string | null;

  @ApiPropertyOptional({ example: 'H15', description: 'code of the parent unit' })
  @IsOptional()
  @IsString()
  @Matches(UNIT_CODE_PATTERN, { message: M.unitCodeFormat })
  parentCode?: string | null;

  @ApiPropertyOptional({ format: 'uuid', description: 'an existing, active user' })
  @IsOptional()
  @IsUUID()
  headUserId?: string | null;
}

/** The code is the agency's identifier (dossier codes embed it) and cannot be changed. */
export class UpdateUnitDto {
  @ApiPropertyOptional({ maxLength: 300 })
  @IsOmittable()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  name?: string;

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: '000.00.01.H22',
    pattern: UNIT_CODE_PATTERN.source,
    description: "the unit's identifier code on the national public-service portal (unique; null removes it)",
  })
  @IsOptional()
  @IsString()
  @Matches(UNIT_CODE_PATTERN, { message: M.portalCodeFormat })
  portalCode?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'null makes the unit a root' })
  @IsOptional()
  @IsString()
  @Matches(UNIT_CODE_PATTERN, { message: M.unitCodeFormat })
  parentCode?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, format: 'uuid', description: 'null removes the head' })
  @IsOptional()
  @IsUUID()
  headUserId?: string | null;

  @ApiPropertyOptional({ description: 'false deactivates the unit (it stays readable)' })
  @IsOmittable()
  @IsBoolean()
  active?: boolean;
}

export class UnitListQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ description: 'only the direct children of this unit' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  parentCode?: string;
}

export class UnitPageDto {
  @ApiProperty({ type: [UnitDto] }) items!: UnitDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
