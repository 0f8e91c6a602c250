import { Injectable } from '@nestjs/common';
import type { AuthUser } from 'src/auth/auth-user';
import { UsersRepository } from 'src/auth/users.repository';
import { CatalogueCache } from 'src/catalogue/catalogue-cache.service';
import { CATALOGUE_MESSAGES as M } from 'src/catalogue/catalogue.messages';
import { FOREIGN_KEY_VIOLATION, pgConstraint, pgErrorCode, UNIQUE_VIOLATION } from 'src/catalogue/db-errors';
import type { CreateUnitDto, UnitDto, UpdateUnitDto } from 'src/catalogue/dto/unit.dto';
import type { UnitEntity } from 'src/catalogue/unit.entity';
import { UnitsRepository, UnitTx } from 'src/catalogue/units.repository';
import { AuditService } from 'src/common/audit.service';
import { DomainError, notFound } from 'src/common/domain-error';
import { decodeCursor, DEFAULT_LIMIT, Page, toPage } from 'src/common/pagination';

/**
 * Something that may use a unit and so forbids deleting it. Other modules add theirs with
 * UnitsService.registerUsageCheck (the dossier module: "has dossiers").
 */
export interface UnitUsageCheck {
  /** Stable key reported in the error details, e.g. 'dossiers'. */
  key: string;
  /** What a person reads in the refusal, in Vietnamese, e.g. 'hồ sơ'. */
  label: string;
  /** How many rows use the unit; runs in the deletion's transaction, with the unit row locked. */
  count(unitId: string, tx: UnitTx): Promise<number>;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const invalid = (field: string, message: string) =>
  new DomainError('VALIDATION_FAILED', M.invalid, [{ field, message }]);

const unitDto = (u: UnitEntity, parentCode: string | null): UnitDto => ({
  id: u.id,
  code: u.code,
  name: u.name,
  portalCode: u.portalCode,
  parentCode,
  headUserId: u.headUserId,
  active: u.active,
});

@Injectable()
export class UnitsService {
  private readonly usageChecks: UnitUsageCheck[];

  constructor(
    private readonly units: UnitsRepository,
    private readonly users: UsersRepository,
    private readonly audit: AuditService,
    private readonly cache: CatalogueCache,
  ) {
    this.usageChecks = [
      { key: 'children', label: M.usageChildren, count: (id, tx) => this.units.countChildren(id, tx) },
      { key: 'users', label: M.usageUsers, count: (id, tx) => this.units.countUsers(id, tx) },
    ];
  }

  /** Extension point: a unit used by what `check` counts cannot be deleted (409 IN_USE). */
  registerUsageCheck(check: UnitUsageCheck): void {
    if (!this.usageChecks.some((c) => c.key === check.key)) this.usageChecks.push(check);
  }

  async toDtos(units: UnitEntity[]): Promise<UnitDto[]> {
    const codes = await this.units.codesById(units.map((u) => u.parentId));
    return units.map((u) => unitDto(u, u.parentId ? (codes.get(u.parentId) ?? null) : null));
  }

  async toDto(unit: UnitEntity): Promise<UnitDto> {
    return (await this.toDtos([unit]))[0];
  }

  async get(id: string): Promise<UnitEntity> {
    const unit = await this.units.findById(id);
    if (!unit) throw notFound(M.unitNotFound);
    return unit;
  }

  /** By code, from the catalogue cache (a province has thousands of units, not millions). */
  async list(opts: { limit?: number; cursor?: string; parentCode?: string }): Promise<Page<UnitDto>> {
    const limit = opts.limit ?? DEFAULT_LIMIT;
    const after = decodeCursor(opts.cursor, isString);
    let parentId: string | undefined;
    if (opts.parentCode !== undefined) {
      const parent = await this.cache.unitByCode(opts.parentCode);
      if (!parent) return { items: [], nextCursor: null };
      parentId = parent.id;
    }
    const all = await this.cache.units();
    const rows: UnitEntity[] = [];
    for (const u of all) {
      if (rows.length > limit) break;
      if ((after === undefined || u.code > after) && (parentId === undefined || u.parentId === parentId)) rows.push(u);
    }
    const page = toPage(
      rows,
      limit,
      (r) => r,
      (r) => r.code,
    );
    const items: UnitDto[] = [];
    for (const u of page.items) {
      const parent = u.parentId ? await this.cache.unitById(u.parentId) : null;
      items.push(unitDto(u, parent?.code ?? null));
    }
    return { items, nextCursor: page.nextCursor };
  }

  async create(dto: CreateUnitDto, actor: AuthUser): Promise<UnitEntity> {
    if (await this.units.codeTaken(dto.code)) throw new DomainError('ALREADY_EXISTS', M.unitExists(dto.code));
    const headUserId = dto.headUserId ? await this.checkHead(dto.headUserId) : null;
    try {
      return await this.units.transaction(async (tx) => {
        const parentId = dto.parentCode ? (await this.parentFor(dto.parentCode, tx)).id : null;
        const unit = await this.units.save(
          { code: dto.code, name: dto.name, portalCode: dto.portalCode ?? null, parentId, headUserId, active: true },
          tx,
        );
        await this.audit.record(
          {
            actorUserId: actor.id,
            action: 'unit.create',
            entity: 'unit',
            entityId: unit.id,
            details: { code: unit.code, parentCode: dto.parentCode ?? null },
          },
          tx,
        );
        return unit;
      });
    } catch (e) {
      if (pgErrorCode(e) === UNIQUE_VIOLATION) throw this.uniqueError(e, dto.code, dto.portalCode);
      throw e;
    }
  }

  /** A unique index refused the write: the unit's code, or its portal identifier, is already used. */
  private uniqueError(e: unknown, code: string | undefined, portalCode: string | null | undefined): DomainError {
    if (pgConstraint(e) === 'units_portal_code_key' && portalCode) {
      return new DomainError('ALREADY_EXISTS', M.portalCodeTaken(portalCode), [
        { field: 'portalCode', message: M.portalCodeTaken(portalCode) },
      ]);
    }
    return new DomainError('ALREADY_EXISTS', M.unitExists(code ?? ''));
  }

  async update(id: string, dto: UpdateUnitDto, actor: AuthUser): Promise<UnitEntity> {
    const headUserId = dto.headUserId ? await this.checkHead(dto.headUserId) : dto.headUserId;
    try {
      return await this.updateIn(id, dto, headUserId, actor);
    } catch (e) {
      if (pgErrorCode(e) === UNIQUE_VIOLATION) throw this.uniqueError(e, undefined, dto.portalCode);
      throw e;
    }
  }

  private updateIn(
    id: string,
    dto: UpdateUnitDto,
    headUserId: string | null | undefined,
    actor: AuthUser,
  ): Promise<UnitEntity> {
    return this.units.transaction(async (tx) => {
      const moving = dto.parentCode !== undefined;
      // Moves are serialised: two concurrent moves could otherwise each pass the cycle check.
      if (moving) await this.units.lockTree(tx);
      const unit = await this.units.lockById(id, tx);
      if (!unit) throw notFound(M.unitNotFound);
      const changed: string[] = [];
      if (moving) {
        let parentId: string | null = null;
        if (dto.parentCode) {
          const parent = await this.parentFor(dto.parentCode, tx);
          if (await this.units.isSelfOrDescendant(parent.id, unit.id, tx)) {
            throw new DomainError('RULE_VIOLATION', M.parentCycle(unit.code, parent.code), [
              { field: 'parentCode', message: M.parentCycle(unit.code, parent.code) },
            ]);
          }
          parentId = parent.id;
        }
        if (parentId !== unit.parentId) changed.push('parentCode');
        unit.parentId = parentId;
      }
      if (dto.name !== undefined && dto.name !== unit.name) {
        unit.name = dto.name;
        changed.push('name');
      }
      if (dto.portalCode !== undefined && dto.portalCode !== unit.portalCode) {
        unit.portalCode = dto.portalCode;
        changed.push('portalCode');
      }
      if (headUserId !== undefined && headUserId !== unit.headUserId) {
        unit.headUserId = headUserId;
        changed.push('headUserId');
      }
      if (dto.active !== undefined && dto.active !== unit.active) {
        unit.active = dto.active;
        changed.push('active');
      }
      if (changed.length === 0) return unit;
      const saved = await this.units.save(unit, tx);
      await this.audit.record(
        {
          actorUserId: actor.id,
          action: 'unit.update',
          entity: 'unit',
          entityId: id,
          details: { code: unit.code, changed, active: unit.active },
        },
        tx,
      );
      return saved;
    });
  }

  /** Deletes an unused unit; refused with 409 IN_USE while anything registered still uses it. */
  async delete(id: string, actor: AuthUser): Promise<void> {
    let code = '';
    try {
      await this.units.transaction(async (tx) => {
        await this.units.lockTree(tx);
        const unit = await this.units.lockById(id, tx);
        if (!unit) throw notFound(M.unitNotFound);
        code = unit.code;
        const uses: { key: string; label: string; count: number }[] = [];
        for (const check of this.usageChecks) {
          const count = await check.count(unit.id, tx);
          if (count > 0) uses.push({ key: check.key, label: check.label, count });
        }
        if (uses.length) {
          throw new DomainError(
            'IN_USE',
            M.unitInUse(
              unit.code,
              uses.map((u) => u.label),
            ),
            uses.map((u) => ({ message: u.label, reason: u.key, count: u.count })),
          );
        }
        await this.units.delete(unit.id, tx);
        await this.audit.record(
          { actorUserId: actor.id, action: 'unit.delete', entity: 'unit', entityId: id, details: { code: unit.code } },
          tx,
        );
      });
    } catch (e) {
      // A reference written meanwhile by a table no check knows about: the foreign key still refuses.
      if (pgErrorCode(e) === FOREIGN_KEY_VIOLATION) throw new DomainError('IN_USE', M.unitInUseGeneric(code));
      throw e;
    }
  }

  private async parentFor(code: string, tx: UnitTx): Promise<UnitEntity> {
    const parent = await this.units.findByCode(code, tx);
    if (!parent) throw invalid('parentCode', M.unitUnknown(code));
    if (!parent.active) {
      throw new DomainError('RULE_VIOLATION', M.unitInactive(code), [
        { field: 'parentCode', message: M.unitInactive(code) },
      ]);
    }
    return parent;
  }

  private async checkHead(userId: string): Promise<string> {
    const user = await this.users.findById(userId);
    if (!user || !user.active) throw invalid('headUserId', M.headUnknown);
    return user.id;
  }
}
