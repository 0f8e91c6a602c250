import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Clock } from 'src/common/clock';
import { DomainError } from 'src/common/domain-error';
import { CITIZEN_MESSAGES as M } from 'src/public/citizens.messages';
import { BucketPolicy, clientKey, TokenBuckets } from 'src/public/rate-limiter';

/**
 * Per client address, per API instance (see rate-limiter.ts for why in process): a burst of 30
 * requests, then one every 2 seconds. The address is the socket's, or, from a proxy listed in
 * TRUST_PROXY, the client's address its X-Forwarded-For names.
 */
export const PUBLIC_RATE_LIMIT: BucketPolicy = { capacity: 30, refillPerSecond: 0.5, maxClients: 100_000 };

@Injectable()
export class PublicRateLimitGuard implements CanActivate {
  private readonly buckets = new TokenBuckets(PUBLIC_RATE_LIMIT);

  constructor(private readonly clock: Clock) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const req = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const taken = this.buckets.take(clientKey(req.ip), this.clock.now().getTime());
    if (taken.allowed) {
      void reply.header('ratelimit-limit', PUBLIC_RATE_LIMIT.capacity);
      void reply.header('ratelimit-remaining', taken.remaining);
      return true;
    }
    void reply.header('retry-after', String(taken.retryAfterSeconds));
    throw new DomainError('TOO_MANY_REQUESTS', M.tooManyRequests);
  }
}
