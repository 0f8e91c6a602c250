import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { AuthUser } from 'src/auth/auth-user';
import type { Role } from 'src/auth/user.entity';

export const IS_PUBLIC = 'auth:isPublic';
export const ROLES_KEY = 'auth:roles';

/** No sign-in needed (health, login, public lookup). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Roles allowed on a route; every non-public route must declare them (the guard refuses otherwise). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthUser => {
  const req = ctx.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>();
  return req.user!;
});
