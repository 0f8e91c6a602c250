import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { AuthUser } from 'src/auth/auth-user';
import { AuthService } from 'src/auth/auth.service';
import { IS_PUBLIC, ROLES_KEY } from 'src/auth/decorators';
import type { Role } from 'src/auth/user.entity';
import { DomainError } from 'src/common/domain-error';

/**
 * Global guard: every route is signed-in unless marked @Public(), and every signed-in route must
 * declare its roles with @Roles(...) — a route without a declaration is refused, so a new endpoint
 * cannot be left open by accident.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const req = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>();
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new DomainError('UNAUTHORIZED', 'Chưa đăng nhập hoặc phiên đăng nhập không hợp lệ.');
    const user = await this.auth.authenticate(match[1]);
    if (!user) throw new DomainError('UNAUTHORIZED', 'Chưa đăng nhập hoặc phiên đăng nhập không hợp lệ.');
    req.user = user;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (!roles || !roles.includes(user.role)) {
      throw new DomainError('FORBIDDEN', 'Bạn không có quyền thực hiện thao tác này.');
    }
    return true;
  }
}
