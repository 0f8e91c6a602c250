import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from 'src/auth/auth-user';
import { CurrentUser, Roles } from 'src/auth/decorators';
import { ROLES } from 'src/auth/user.entity';
import { CreateUnitDto, UnitDto, UnitListQueryDto, UnitPageDto, UpdateUnitDto } from 'src/catalogue/dto/unit.dto';
import { UnitsService } from 'src/catalogue/units.service';
import { uuidPipe } from 'src/common/uuid.pipe';

@ApiTags('units')
@ApiBearerAuth()
@Controller('units')
export class UnitsController {
  constructor(private readonly units: UnitsService) {}

  @Post()
  @Roles('admin')
  @ApiCreatedResponse({ type: UnitDto })
  async create(@Body() dto: CreateUnitDto, @CurrentUser() actor: AuthUser): Promise<UnitDto> {
    return this.units.toDto(await this.units.create(dto, actor));
  }

  @Get()
  @Roles(...ROLES)
  @ApiOkResponse({ type: UnitPageDto, description: 'by code; deactivated units included' })
  list(@Query() q: UnitListQueryDto): Promise<UnitPageDto> {
    return this.units.list(q);
  }

  @Get(':id')
  @Roles(...ROLES)
  @ApiOkResponse({ type: UnitDto })
  async get(@Param('id', uuidPipe) id: string): Promise<UnitDto> {
    return this.units.toDto(await this.units.get(id));
  }

  @Patch(':id')
  @Roles('admin')
  @ApiOkResponse({ type: UnitDto })
  async update(
    @Param('id', uuidPipe) id: string,
    @Body() dto: UpdateUnitDto,
    @CurrentUser() actor: AuthUser,
  ): Promise<UnitDto> {
    return this.units.toDto(await this.units.update(id, dto, actor));
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  @ApiNoContentResponse({
    description: 'deleted; 409 IN_USE while it has child units, users, procedures (or dossiers)',
  })
  async delete(@Param('id', uuidPipe) id: string, @CurrentUser() actor: AuthUser): Promise<void> {
    await this.units.delete(id, actor);
  }
}
