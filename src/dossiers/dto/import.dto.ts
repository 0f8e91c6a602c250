import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ISO_INSTANT_PATTERN } from 'src/common/time';
import { IntakeDto } from 'src/dossiers/dto/dossier.dto';

export const MAX_IMPORT = 10_000;

/** An imported dossier without its events: what class-validator checks (the events are checked by hand). */
export class ImportDossierHeadDto extends IntakeDto {
  @ApiPropertyOptional({ description: 'the code in the source system ({unit}-{yyMMdd}-{NNNN}); generated when absent' })
  @IsOptional()
  @IsString()
  @MaxLength(80)
  code?: string;

  @ApiProperty({ example: '2026-02-13T10:00:00+07:00' })
  @IsString()
  @Matches(ISO_INSTANT_PATTERN, { message: 'receivedAt must be an ISO-8601 instant with an offset' })
  receivedAt!: string;
}

export const MAX_IMPORT_EVENTS = 200;

export class ImportDossierDto extends ImportDossierHeadDto {
  @ApiProperty({
    description: 'in time order, none before receivedAt: { action, at, externalId?, ...payload of the action }',
    type: 'array',
    items: { type: 'object' },
  })
  @IsArray()
  @ArrayMaxSize(MAX_IMPORT_EVENTS)
  @IsObject({ each: true })
  events!: Record<string, unknown>[];
}

export class ImportRequestDto {
  @ApiProperty({ type: [ImportDossierDto], maxItems: MAX_IMPORT })
  @IsArray()
  @ArrayMaxSize(MAX_IMPORT)
  dossiers!: unknown[];
}

export class ImportFailureDto {
  @ApiProperty() index!: number;
  @ApiProperty({ nullable: true, type: String }) code!: string | null;
  @ApiProperty() message!: string;
}

export class ImportResultDto {
  @ApiProperty() imported!: number;
  @ApiProperty({ description: 'existing dossiers (same code) that received new events' }) appended!: number;
  @ApiProperty({ description: 'existing dossiers whose events were all known already' }) unchanged!: number;
  @ApiProperty({ type: [ImportFailureDto] }) failed!: ImportFailureDto[];
}
