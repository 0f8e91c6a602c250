import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from 'src/auth/auth-user';
import { CurrentUser, Roles } from 'src/auth/decorators';
import { CreateUserDto, ListQueryDto, UpdateUserDto, UserDto } from 'src/auth/dto/auth.dto';
import { ROLES } from 'src/auth/user.entity';
import { UsersService } from 'src/auth/users.service';
import type { Page } from 'src/common/pagination';
import { uuidPipe } from 'src/common/uuid.pipe';

@ApiTags('users')
@ApiBearerAuth()
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @Roles('admin')
  @ApiCreatedResponse({ type: UserDto })
  async create(@Body() dto: CreateUserDto, @CurrentUser() actor: AuthUser): Promise<UserDto> {
    return this.users.toDto(await this.users.create(dto, actor));
  }

  // The contract's catalogue rule: admin writes, everyone signed in reads (a head picks the officer
  // to reassign a step to; no secret is in a user's record).
  @Get()
  @Roles(...ROLES)
  list(@Query() q: ListQueryDto): Promise<Page<UserDto>> {
    return this.users.list(q.limit, q.cursor);
  }

  @Get(':id')
  @Roles(...ROLES)
  @ApiOkResponse({ type: UserDto })
  get(@Param('id', uuidPipe) id: string): Promise<UserDto> {
    return this.users.get(id);
  }

  @Patch(':id')
  @Roles('admin')
  @ApiOkResponse({ type: UserDto })
  async update(
    @Param('id', uuidPipe) id: string,
    @Body() dto: UpdateUserDto,
    @CurrentUser() actor: AuthUser,
  ): Promise<UserDto> {
    return this.users.toDto(await this.users.update(id, dto, actor));
  }
}
