import { Injectable } from '@nestjs/common';
import type { AuthUser } from 'src/auth/auth-user';
import { AuthService } from 'src/auth/auth.service';
import { CreateUserDto, UpdateUserDto, UserDto } from 'src/auth/dto/auth.dto';
import { UserEntity } from 'src/auth/user.entity';
import { UsersRepository } from 'src/auth/users.repository';
import { UnitsRepository } from 'src/catalogue/units.repository';
import { AuditService } from 'src/common/audit.service';
import { DomainError, notFound } from 'src/common/domain-error';
import { decodeCursor, DEFAULT_LIMIT, Page, toPage } from 'src/common/pagination';

const isString = (v: unknown): v is string => typeof v === 'string';

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly units: UnitsRepository,
    private readonly auth: AuthService,
    private readonly audit: AuditService,
  ) {}

  async toDto(user: UserEntity, unitCodes?: Map<string, string>): Promise<UserDto> {
    const codes = unitCodes ?? (await this.units.codesById([user.unitId]));
    return {
      id: user.id,
      username: user.username,
      fullName: user.fullName,
      email: user.email,
      role: user.role,
      unitCode: user.unitId ? (codes.get(user.unitId) ?? null) : null,
      active: user.active,
    };
  }

  private async unitIdFor(role: string, unitCode: string | undefined): Promise<string | null> {
    if (!unitCode) {
      if (role === 'admin' || role === 'reform_board') return null;
      throw new DomainError('VALIDATION_FAILED', 'Dữ liệu không hợp lệ.', [
        { field: 'unitCode', message: `unitCode is required for role ${role}` },
      ]);
    }
    const unit = await this.units.findByCode(unitCode);
    if (!unit) {
      throw new DomainError('VALIDATION_FAILED', 'Dữ liệu không hợp lệ.', [
        { field: 'unitCode', message: `unit ${unitCode} does not exist` },
      ]);
    }
    return unit.id;
  }

  async create(dto: CreateUserDto, actor: AuthUser | null): Promise<UserEntity> {
    const username = dto.username.toLowerCase();
    if (await this.users.findByUsername(username)) {
      throw new DomainError('ALREADY_EXISTS', `Tên đăng nhập ${username} đã tồn tại.`);
    }
    const unitId = await this.unitIdFor(dto.role, dto.unitCode);
    const user = await this.users.save({
      username,
      passwordHash: await AuthService.hashPassword(dto.password),
      fullName: dto.fullName,
      email: dto.email ?? null,
      role: dto.role,
      unitId,
      active: true,
    });
    await this.audit.record({
      actorUserId: actor?.id ?? null,
      action: 'user.create',
      entity: 'user',
      entityId: user.id,
      details: { role: user.role },
    });
    return user;
  }

  async update(id: string, dto: UpdateUserDto, actor: AuthUser): Promise<UserEntity> {
    const user = await this.users.findById(id);
    if (!user) throw notFound('Người dùng');
    const role = dto.role ?? user.role;
    if (dto.unitCode !== undefined || dto.role !== undefined) {
      user.unitId = dto.unitCode !== undefined ? await this.unitIdFor(role, dto.unitCode) : user.unitId;
      if (!user.unitId && role !== 'admin' && role !== 'reform_board') await this.unitIdFor(role, undefined);
    }
    user.role = role;
    if (dto.fullName !== undefined) user.fullName = dto.fullName;
    if (dto.email !== undefined) user.email = dto.email;
    if (dto.active !== undefined) user.active = dto.active;
    if (dto.password !== undefined) user.passwordHash = await AuthService.hashPassword(dto.password);
    const saved = await this.users.save(user);
    this.auth.forget(id);
    const changed = Object.keys(dto).filter((k) => k !== 'password');
    if (dto.password !== undefined) changed.push('password');
    await this.audit.record({
      actorUserId: actor.id,
      action: 'user.update',
      entity: 'user',
      entityId: id,
      details: { changed },
    });
    return saved;
  }

  async list(limit = DEFAULT_LIMIT, cursor?: string): Promise<Page<UserDto>> {
    const after = decodeCursor(cursor, isString);
    const rows = await this.users.list({ limit, afterUsername: after });
    const codes = await this.units.codesById(rows.map((r) => r.unitId));
    const page = toPage(
      rows,
      limit,
      (r) => r,
      (r) => r.username,
    );
    return { items: await Promise.all(page.items.map((u) => this.toDto(u, codes))), nextCursor: page.nextCursor };
  }

  async get(id: string): Promise<UserDto> {
    const user = await this.users.findById(id);
    if (!user) throw notFound('Người dùng');
    return this.toDto(user);
  }

  /** First start: creates the admin from ADMIN_USERNAME / ADMIN_PASSWORD when no such user exists. */
  async ensureBootstrapAdmin(
    username: string,
    password: string | undefined,
  ): Promise<'created' | 'exists' | 'skipped'> {
    if (await this.users.findByUsername(username)) return 'exists';
    if (!password) return 'skipped';
    try {
      await this.create({ username, password, fullName: 'Quản trị hệ thống', role: 'admin' }, null);
      return 'created';
    } catch (e) {
      // Another instance created it at the same moment.
      if (await this.users.findByUsername(username)) return 'exists';
      throw e;
    }
  }
}
