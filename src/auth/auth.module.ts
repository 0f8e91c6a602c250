import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthController } from 'src/auth/auth.controller';
import { AuthGuard } from 'src/auth/auth.guard';
import { AuthService } from 'src/auth/auth.service';
import { LoginThrottleRepository } from 'src/auth/login-throttle.repository';
import { UnitScopeService } from 'src/auth/unit-scope.service';
import { UsersController } from 'src/auth/users.controller';
import { UsersRepository } from 'src/auth/users.repository';
import { UsersService } from 'src/auth/users.service';
import { UnitsRepository } from 'src/catalogue/units.repository';

@Global()
@Module({
  controllers: [AuthController, UsersController],
  providers: [
    AuthService,
    UsersService,
    UsersRepository,
    UnitsRepository,
    LoginThrottleRepository,
    UnitScopeService,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [AuthService, UsersService, UnitScopeService, UsersRepository, UnitsRepository],
})
export class AuthModule {}
