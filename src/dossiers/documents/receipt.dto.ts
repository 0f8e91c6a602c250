import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

export const RECEIPT_FORMATS = ['pdf'] as const;

export class ReceiptQuery {
  @ApiPropertyOptional({ enum: RECEIPT_FORMATS, default: 'pdf' })
  @IsOptional()
  @IsIn(RECEIPT_FORMATS)
  format?: (typeof RECEIPT_FORMATS)[number];

  @ApiPropertyOptional({
    description:
      'the lookup key from the intake response, printed on the receipt after it is checked against the stored hash; without it the receipt says the key was given at intake',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  lookupKey?: string;
}
