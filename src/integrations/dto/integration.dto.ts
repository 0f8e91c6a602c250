import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
} from 'class-validator';
import { ListQueryDto } from 'src/auth/dto/auth.dto';

export class CreateSourceDto {
  @ApiProperty({ example: 'Một cửa điện tử tỉnh (iGate)' }) @IsString() @IsNotEmpty() @MaxLength(200) name!: string;
  @ApiProperty({ type: [String], description: 'codes of the units the source may write dossiers for' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2000)
  @IsString({ each: true })
  @MaxLength(40, { each: true })
  unitCodes!: string[];
  @ApiPropertyOptional({
    description: 'their MaTTHC → our procedure code, where they differ',
    example: { '1.004227.000.00.00.H15': '1.004227' },
    type: 'object',
    additionalProperties: { type: 'string' },
  })
  @IsOptional()
  @IsObject()
  procedureMap?: Record<string, string>;
  @ApiPropertyOptional({
    default: true,
    description: 'the source syncs its dossiers to the national portal itself (we do not)',
  })
  @IsOptional()
  @IsBoolean()
  syncsToPortal?: boolean;
}

export class SourceDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: [String] }) unitCodes!: string[];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) procedureMap!: Record<string, string>;
  @ApiProperty() syncsToPortal!: boolean;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) keyRotatedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'the key was revoked (DELETE)' }) revokedAt!: string | null;
}

export class SourceWithKeyDto extends SourceDto {
  @ApiProperty({ description: 'shown once: only its hash is stored. Send it as the X-Api-Key header' }) apiKey!: string;
}

export class SourcePageDto {
  @ApiProperty({ type: [SourceDto] }) items!: SourceDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

/** The portal's own answer shape. */
export class PortalAnswerDto {
  @ApiProperty({ example: '0', description: '"0" accepted (repeats and kept unmappable records included)' })
  error_code!: string;
  @ApiProperty() message!: string;
}

export class ReceiverQueryDto {
  @ApiPropertyOptional({ description: "the unit's identifier on the portal (or its code)" })
  @IsOptional()
  @IsString()
  @MaxLength(60)
  MaDinhDanhDV?: string;
  @ApiPropertyOptional({ enum: ['True', 'False'] })
  @IsOptional()
  @IsString()
  @MaxLength(10)
  isUpdating?: string;
}

export class DvcqgEnvelopeDto {
  @ApiPropertyOptional({ description: 'ignored (the X-Api-Key authenticates)' }) session?: string;
  @ApiProperty({ description: "the unit's identifier on the portal (or its code)" }) madonvi!: string;
  @ApiProperty({ enum: ['DongBoHoSoMC', 'CapNhatTienDoHoSoMC'] }) service!: string;
  @ApiPropertyOptional({ enum: ['True', 'False'] }) isUpdating?: string;
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: 'records or progress items' }) data!: unknown[];
}

export class ListRejectedQuery extends ListQueryDto {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() sourceId?: string;
}

export class ListMismatchesQuery extends ListQueryDto {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() sourceId?: string;
}

export class ReprocessDto {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() sourceId?: string;
}

export class RejectedDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) sourceId!: string;
  @ApiProperty() receivedAt!: string;
  @ApiProperty() reason!: string;
  @ApiProperty({ enum: ['DongBoHoSoMC', 'CapNhatTienDoHoSoMC'] }) service!: string;
  @ApiProperty({
    type: 'object',
    description: 'the record as sent, personal data replaced by ***',
    additionalProperties: true,
  })
  record!: unknown;
}

export class RejectedPageDto {
  @ApiProperty({ type: [RejectedDto] }) items!: RejectedDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class ReprocessResultDto {
  @ApiProperty() reprocessed!: number;
  @ApiProperty() stillRejected!: number;
}

export class MismatchDto {
  @ApiProperty({ format: 'uuid' }) dossierId!: string;
  @ApiProperty() code!: string;
  @ApiProperty({ format: 'uuid' }) sourceId!: string;
  @ApiProperty({ description: "the sender's NgayHenTra" }) theirs!: string;
  @ApiProperty({ description: 'our statutory due instant' }) ours!: string;
  @ApiProperty({ description: 'theirs − ours, in minutes' }) differenceMinutes!: number;
}

export class MismatchPageDto {
  @ApiProperty({ type: [MismatchDto] }) items!: MismatchDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
