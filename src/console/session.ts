import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthUser } from 'src/auth/auth-user';
import { AuthService } from 'src/auth/auth.service';
import type { Role } from 'src/auth/user.entity';

export const SESSION_COOKIE = 'sla_console';

/** Cookies of a request (one header, a handful of cookies: no library needed). */
export function cookies(req: FastifyRequest): Record<string, string> {
  const header = req.headers.cookie;
  const out: Record<string, string> = {};
  if (typeof header !== 'string') return out;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    // A malformed escape (e.g. "%E0") is a cookie we did not set: ignore it rather than answer 500.
    try {
      out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      continue;
    }
  }
  return out;
}

/**
 * The console's session: the same JWT the API issues, kept in an HttpOnly, SameSite=Strict cookie
 * (no script can read it, and no other site can send it), checked on every request by the same
 * AuthService as the API's bearer tokens (expiry, rotation, deactivated users).
 */
@Injectable()
export class ConsoleSession {
  constructor(private readonly auth: AuthService) {}

  /**
   * The signed-in user. With `reply`, a session past half its lifetime is renewed (a new token
   * in the cookie): an active user is never signed out mid-day (issue 22: a clerk signed in at
   * 07:30 works until 17:00 on an 8-hour token); an idle one still is, after the lifetime.
   */
  async user(req: FastifyRequest, reply?: FastifyReply): Promise<AuthUser | null> {
    const token = cookies(req)[SESSION_COOKIE];
    if (!token) return null;
    const user = await this.auth.authenticate(token);
    if (user && reply && this.auth.secondsLeft(token, Date.now()) < this.auth.tokenLifetimeSeconds / 2) {
      const fresh = await this.auth.renew(token);
      if (fresh) this.start(reply, req, fresh.accessToken, fresh.expiresIn);
    }
    return user;
  }

  start(reply: FastifyReply, req: FastifyRequest, token: string, maxAgeSeconds: number): void {
    const secure = req.protocol === 'https' ? '; Secure' : '';
    void reply.header(
      'set-cookie',
      `${SESSION_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`,
    );
  }

  end(reply: FastifyReply): void {
    void reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
  }

  /** A form post from another origin is refused (defence in depth beside SameSite=Strict). */
  sameOrigin(req: FastifyRequest): boolean {
    const origin = req.headers.origin ?? req.headers.referer;
    if (typeof origin !== 'string' || origin === 'null') return typeof origin !== 'string';
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  }

  static allows(user: AuthUser, roles: readonly Role[]): boolean {
    return roles.includes(user.role);
  }
}
