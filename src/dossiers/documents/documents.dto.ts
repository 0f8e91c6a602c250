import { Injectable, PipeTransform } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { notFound } from 'src/common/domain-error';
import { DOCUMENT_MESSAGES } from 'src/dossiers/documents/documents.messages';

export const CONTROL_SLIP_FORMATS = ['json', 'pdf'] as const;
export const LETTER_FORMATS = ['pdf'] as const;

export class ControlSlipQuery {
  @ApiPropertyOptional({ enum: CONTROL_SLIP_FORMATS, default: 'json' })
  @IsOptional()
  @IsIn(CONTROL_SLIP_FORMATS)
  format?: (typeof CONTROL_SLIP_FORMATS)[number];
}

export class LetterQuery {
  @ApiPropertyOptional({ enum: LETTER_FORMATS, default: 'pdf' })
  @IsOptional()
  @IsIn(LETTER_FORMATS)
  format?: (typeof LETTER_FORMATS)[number];
}

/** The 1-based extension number of a letter path; anything else names no letter: 404, like an unknown id. */
@Injectable()
export class ExtensionNumberPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    if (!/^[1-9]\d{0,3}$/.test(value)) throw notFound(DOCUMENT_MESSAGES.extensionNotFound);
    return Number(value);
  }
}
