import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from 'src/auth/auth-user';
import { CurrentUser, Roles } from 'src/auth/decorators';
import { ImportRequestDto, ImportResultDto } from 'src/dossiers/dto/import.dto';
import { ImportService } from 'src/dossiers/import.service';

@ApiTags('imports')
@ApiBearerAuth()
@Controller('imports')
export class ImportsController {
  constructor(private readonly imports: ImportService) {}

  @Post('dossiers')
  @HttpCode(200)
  @Roles('admin')
  @ApiOkResponse({ type: ImportResultDto })
  importDossiers(@Body() dto: ImportRequestDto, @CurrentUser() user: AuthUser): Promise<ImportResultDto> {
    return this.imports.importDossiers(dto.dossiers, user);
  }
}
