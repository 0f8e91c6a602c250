import { Inject, Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';
import * as jwt from 'jsonwebtoken';
import { createHash, createSecretKey, type KeyObject } from 'node:crypto';
import type { AuthUser } from 'src/auth/auth-user';
import { LoginThrottleRepository } from 'src/auth/login-throttle.repository';
import { UserEntity } from 'src/auth/user.entity';
import { UsersRepository } from 'src/auth/users.repository';
import { VerifiedTokens } from 'src/auth/verified-tokens';
import { AuditService } from 'src/common/audit.service';
import { Clock } from 'src/common/clock';
import { DomainError } from 'src/common/domain-error';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';

interface TokenPayload {
  sub: string;
  role: string;
  unit: string | null;
  /** Fingerprint of the password hash the token was issued under: a password change ends older tokens. */
  pv: string;
  exp?: number;
}

/** A short, one-way fingerprint of a password hash (the hash itself never leaves the database). */
function passwordVersion(passwordHash: string): string {
  return createHash('sha256').update(passwordHash).digest('base64url').slice(0, 16);
}

interface CachedUser {
  user: AuthUser;
  pv: string;
}

export interface LoginResult {
  accessToken: string;
  expiresIn: number;
  user: UserEntity;
}

/** Per client address, across usernames: a looser limit against password spraying. */
const ADDRESS_FACTOR = 4;

@Injectable()
export class AuthService {
  /** Verified against when the username is unknown, so timing does not reveal which usernames exist. */
  private dummyHash: Promise<string> | null = null;
  /** Short-lived cache of active users so the guard does not hit PostgreSQL on every request. */
  private readonly userCache = new Map<string, { user: CachedUser | null; until: number }>();
  private static readonly CACHE_MS = 5_000;
  /**
   * The signing secret and the previous ones as key objects, built once: given a string, jsonwebtoken
   * builds a key object on every call, which cost about 50 µs of the API's loop per request.
   */
  private readonly keys: KeyObject[];
  /** Tokens already verified, by their text (their expiry is checked again on each use). */
  private readonly tokens: VerifiedTokens<TokenPayload>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersRepository,
    private readonly throttle: LoginThrottleRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {
    this.keys = [config.JWT_SECRET, ...config.JWT_PREVIOUS_SECRETS].map((s) => createSecretKey(Buffer.from(s, 'utf8')));
    this.tokens = new VerifiedTokens<TokenPayload>(this.keys);
  }

  static hashPassword(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id });
  }

  async login(username: string, password: string, ctx: { ip: string; requestId?: string }): Promise<LoginResult> {
    const now = this.clock.now();
    // PostgreSQL text cannot hold U+0000 (a form post can carry it): such a name matches no user,
    // and its failures are counted under a stand-in character instead of failing the statement.
    const name = username.toLowerCase().replaceAll('\u0000', '\ufffd');
    const userKey = `user:${name}|${ctx.ip}`;
    const ipKey = `ip:${ctx.ip}`;
    const locked = await this.throttle.lockedUntil([userKey, ipKey], now);
    if (locked) {
      const seconds = Math.ceil((locked.getTime() - now.getTime()) / 1000);
      // A refused attempt all the same: the trail shows a guessing run going on past the lock.
      await this.audit.record({
        actorUserId: null,
        action: 'auth.login_locked',
        requestId: ctx.requestId,
        clientIp: ctx.ip,
      });
      throw new DomainError('TOO_MANY_REQUESTS', `Đăng nhập sai quá nhiều lần; thử lại sau ${seconds} giây.`, [
        { message: 'locked', retryAfterSeconds: seconds },
      ]);
    }
    const user = await this.users.findByUsername(name);
    const hash = user?.passwordHash ?? (await this.getDummyHash());
    const ok = (await argon2.verify(hash, password).catch(() => false)) && !!user && user.active;
    if (!ok || !user) {
      const max = this.config.LOGIN_MAX_FAILURES;
      await this.throttle.recordFailure(
        [
          { key: userKey, max },
          { key: ipKey, max: max * ADDRESS_FACTOR },
        ],
        now,
        this.config.LOGIN_WINDOW_SECONDS,
      );
      await this.audit.record({
        actorUserId: user?.id ?? null,
        action: 'auth.login_failed',
        requestId: ctx.requestId,
        clientIp: ctx.ip,
      });
      throw new DomainError('INVALID_CREDENTIALS', 'Tên đăng nhập hoặc mật khẩu không đúng.');
    }
    await this.throttle.clear(userKey);
    await this.audit.record({ actorUserId: user.id, action: 'auth.login', requestId: ctx.requestId, clientIp: ctx.ip });
    const payload: TokenPayload = {
      sub: user.id,
      role: user.role,
      unit: user.unitId,
      pv: passwordVersion(user.passwordHash),
    };
    const accessToken = jwt.sign(payload, this.keys[0], {
      algorithm: 'HS256',
      expiresIn: this.config.JWT_EXPIRES_IN_SECONDS,
    });
    return { accessToken, expiresIn: this.config.JWT_EXPIRES_IN_SECONDS, user };
  }

  /**
   * A fresh token for the holder of a valid one (same user, role, unit and password version; a
   * new expiry): the console's sliding session, so that a working day never meets a sign-out
   * while the user is active. Null when the token is no longer valid.
   */
  async renew(token: string): Promise<{ accessToken: string; expiresIn: number } | null> {
    const user = await this.authenticate(token);
    if (!user) return null;
    const old = jwt.decode(token) as TokenPayload;
    const payload: TokenPayload = { sub: old.sub, role: old.role, unit: old.unit, pv: old.pv };
    const accessToken = jwt.sign(payload, this.keys[0], {
      algorithm: 'HS256',
      expiresIn: this.config.JWT_EXPIRES_IN_SECONDS,
    });
    return { accessToken, expiresIn: this.config.JWT_EXPIRES_IN_SECONDS };
  }

  /** Seconds until a (verified) token expires. */
  secondsLeft(token: string, nowMs: number): number {
    const exp = (jwt.decode(token) as { exp?: number } | null)?.exp;
    return typeof exp === 'number' ? exp - nowMs / 1000 : 0;
  }

  get tokenLifetimeSeconds(): number {
    return this.config.JWT_EXPIRES_IN_SECONDS;
  }

  /**
   * Verifies a bearer token (current secret, then the previous ones; HS256 only), that it carries an
   * expiry, that its user is still active and that the password has not changed since it was issued.
   */
  async authenticate(token: string): Promise<AuthUser | null> {
    const payload = this.tokens.verify(token);
    if (typeof payload?.sub !== 'string' || typeof payload.exp !== 'number' || typeof payload.pv !== 'string') {
      return null;
    }
    const active = await this.activeUser(payload.sub);
    return active && active.pv === payload.pv ? active.user : null;
  }

  private async activeUser(id: string): Promise<CachedUser | null> {
    const now = Date.now();
    const hit = this.userCache.get(id);
    if (hit && hit.until > now) return hit.user;
    const entity = await this.users.findById(id);
    const user: CachedUser | null =
      entity && entity.active
        ? {
            user: { id: entity.id, username: entity.username, role: entity.role, unitId: entity.unitId },
            pv: passwordVersion(entity.passwordHash),
          }
        : null;
    if (this.userCache.size > 10_000) this.userCache.clear();
    this.userCache.set(id, { user, until: now + AuthService.CACHE_MS });
    return user;
  }

  /** Drops a cached user at once (deactivation, role or unit change on this instance). */
  forget(id: string): void {
    this.userCache.delete(id);
  }

  private getDummyHash(): Promise<string> {
    this.dummyHash ??= AuthService.hashPassword('not-a-real-password-' + Math.random());
    return this.dummyHash;
  }
}
