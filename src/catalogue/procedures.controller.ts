import { Body, Controller, Get, Param, ParseIntPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from 'src/auth/auth-user';
import { CurrentUser, Roles } from 'src/auth/decorators';
import { ROLES } from 'src/auth/user.entity';
import {
  CreateProcedureDto,
  ProcedureDto,
  ProcedureListQueryDto,
  ProcedurePageDto,
  UpdateProcedureDto,
} from 'src/catalogue/dto/procedure.dto';
import { ProceduresService } from 'src/catalogue/procedures.service';
import { DomainError } from 'src/common/domain-error';
import { NOT_FOUND_MESSAGE } from 'src/common/error.filter';
import { uuidPipe } from 'src/common/uuid.pipe';

/** A version number in the path; anything else is answered like an unknown version. */
const versionPipe = new ParseIntPipe({ exceptionFactory: () => new DomainError('NOT_FOUND', NOT_FOUND_MESSAGE) });

@ApiTags('procedures')
@ApiBearerAuth()
@Controller('procedures')
export class ProceduresController {
  constructor(private readonly procedures: ProceduresService) {}

  @Post()
  @Roles('admin')
  @ApiCreatedResponse({ type: ProcedureDto, description: 'version 1 of the procedure' })
  async create(@Body() dto: CreateProcedureDto, @CurrentUser() actor: AuthUser): Promise<ProcedureDto> {
    return this.procedures.toDto(await this.procedures.create(dto, actor));
  }

  @Get()
  @Roles(...ROLES)
  @ApiOkResponse({ type: ProcedurePageDto, description: 'current versions, by code' })
  list(@Query() q: ProcedureListQueryDto): Promise<ProcedurePageDto> {
    return this.procedures.list(q);
  }

  @Get(':id')
  @Roles(...ROLES)
  @ApiOkResponse({ type: ProcedureDto, description: 'the current version' })
  async get(@Param('id', uuidPipe) id: string): Promise<ProcedureDto> {
    return this.procedures.toDto(await this.procedures.get(id));
  }

  @Get(':id/versions/:version')
  @Roles(...ROLES)
  @ApiOkResponse({ type: ProcedureDto, description: 'an earlier (or the current) version, as it was written' })
  async getVersion(
    @Param('id', uuidPipe) id: string,
    @Param('version', versionPipe) version: number,
  ): Promise<ProcedureDto> {
    return this.procedures.toDto(await this.procedures.get(id, version));
  }

  @Patch(':id')
  @Roles('admin')
  @ApiOkResponse({
    type: ProcedureDto,
    description: 'the current version after the change (a new one when rules changed)',
  })
  async update(
    @Param('id', uuidPipe) id: string,
    @Body() dto: UpdateProcedureDto,
    @CurrentUser() actor: AuthUser,
  ): Promise<ProcedureDto> {
    return this.procedures.toDto(await this.procedures.update(id, dto, actor));
  }
}
