import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { AuthUser } from 'src/auth/auth-user';
import { AuthService } from 'src/auth/auth.service';
import { CurrentUser, Public, Roles } from 'src/auth/decorators';
import { LoginDto, LoginResponseDto, UserDto } from 'src/auth/dto/auth.dto';
import { ROLES } from 'src/auth/user.entity';
import { UsersService } from 'src/auth/users.service';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
  ) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOkResponse({ type: LoginResponseDto })
  async login(@Body() dto: LoginDto, @Req() req: FastifyRequest): Promise<LoginResponseDto> {
    const result = await this.auth.login(dto.username, dto.password, { ip: req.ip, requestId: req.id });
    return { accessToken: result.accessToken, expiresIn: result.expiresIn, user: await this.users.toDto(result.user) };
  }

  @Get('me')
  @Roles(...ROLES)
  @ApiBearerAuth()
  @ApiOkResponse({ type: UserDto })
  me(@CurrentUser() user: AuthUser): Promise<UserDto> {
    return this.users.get(user.id);
  }
}
