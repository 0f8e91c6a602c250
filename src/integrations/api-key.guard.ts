import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DomainError } from 'src/common/domain-error';
import type { SourceRow } from 'src/integrations/integrations.repository';
import { IntegrationsService } from 'src/integrations/integrations.service';

export type SourceRequest = FastifyRequest & { source?: SourceRow };

/**
 * Machine clients (source systems) authenticate with their X-Api-Key, never with a user's token; the
 * routes that take it are @Public() for the user guard and carry this guard instead. A key opens only
 * the receiver: every other route still wants a signed-in user.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly integrations: IntegrationsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<SourceRequest>();
    const key = req.headers['x-api-key'];
    const refuse = () => new DomainError('UNAUTHORIZED', 'Thiếu hoặc sai khóa X-Api-Key của hệ thống nguồn.');
    if (typeof key !== 'string' || key.length < 10 || key.length > 200) throw refuse();
    const source = await this.integrations.authenticate(key);
    if (!source) throw refuse();
    req.source = source;
    return true;
  }
}
