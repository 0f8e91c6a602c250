import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from 'src/auth/auth-user';
import { CurrentUser, Roles } from 'src/auth/decorators';
import { DomainError } from 'src/common/domain-error';
import { ImportRequestDto, ImportResultDto, MAX_IMPORT } from 'src/dossiers/dto/import.dto';
import { ImportService } from 'src/dossiers/import.service';

/**
 * The request's envelope, checked by hand: the global ValidationPipe would deep-copy the whole
 * batch (up to 10,000 histories) through class-transformer only to check one array. Each item is
 * validated against ImportDossierDto by the service, which reports failures one by one.
 */
function importItems(body: unknown): unknown[] {
  const invalid = (field: string, message: string) =>
    new DomainError('VALIDATION_FAILED', 'Dữ liệu không hợp lệ.', [{ field, message }]);
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalid('body', 'the body must be a JSON object');
  const unknown = Object.keys(body).filter((k) => k !== 'dossiers');
  if (unknown.length) throw invalid(unknown[0], `property ${unknown[0]} should not exist`);
  const items = (body as { dossiers?: unknown }).dossiers;
  if (!Array.isArray(items)) throw invalid('dossiers', 'dossiers must be an array');
  if (items.length > MAX_IMPORT) throw invalid('dossiers', `dossiers must contain no more than ${MAX_IMPORT} elements`);
  return items;
}

@ApiTags('imports')
@ApiBearerAuth()
@Controller('imports')
export class ImportsController {
  constructor(private readonly imports: ImportService) {}

  @Post('dossiers')
  @HttpCode(200)
  @Roles('admin')
  @ApiBody({ type: ImportRequestDto })
  @ApiOkResponse({ type: ImportResultDto })
  importDossiers(@Body() body: unknown, @CurrentUser() user: AuthUser): Promise<ImportResultDto> {
    return this.imports.importDossiers(importItems(body), user);
  }
}
