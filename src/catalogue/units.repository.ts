import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, In, Repository } from 'typeorm';
import { CatalogueCache } from 'src/catalogue/catalogue-cache.service';
import { UnitEntity } from 'src/catalogue/unit.entity';
import { ReadReplicas } from 'src/database/read-replicas';

/** A transaction handle; services pass it through without touching TypeORM. */
export type UnitTx = EntityManager;

/** Serialises changes to the unit tree (parent moves, deletions), so two moves cannot build a cycle. */
const TREE_LOCK_KEY = 1_764_400_001;

@Injectable()
export class UnitsRepository {
  private readonly repo: Repository<UnitEntity>;
  constructor(
    private readonly dataSource: DataSource,
    private readonly reads: ReadReplicas,
    private readonly cache: CatalogueCache,
  ) {
    this.repo = dataSource.getRepository(UnitEntity);
  }

  /** Every change to units runs here: this instance's catalogue cache is renewed once it ended. */
  transaction<T>(fn: (tx: UnitTx) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(fn).finally(() => this.cache.invalidate());
  }

  findById(id: string, tx: UnitTx = this.dataSource.manager): Promise<UnitEntity | null> {
    return tx.getRepository(UnitEntity).findOneBy({ id });
  }

  findByCode(code: string, tx: UnitTx = this.dataSource.manager): Promise<UnitEntity | null> {
    return tx.getRepository(UnitEntity).findOneBy({ code });
  }

  /** Whether a code is taken, ignoring case (the unique index is on lower(code)). */
  async codeTaken(code: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM units WHERE lower(code) = lower($1)`, [code]);
    return rows.length > 0;
  }

  findByIds(ids: string[]): Promise<UnitEntity[]> {
    return ids.length ? this.repo.findBy({ id: In(ids) }) : Promise.resolve([]);
  }

  findByCodes(codes: string[], tx: UnitTx = this.dataSource.manager): Promise<UnitEntity[]> {
    return codes.length ? tx.getRepository(UnitEntity).findBy({ code: In(codes) }) : Promise.resolve([]);
  }

  /** Code by id for a set of ids, for mapping responses without one query per row. */
  async codesById(ids: (string | null)[]): Promise<Map<string, string>> {
    const unique = [...new Set(ids.filter((x): x is string => !!x))];
    const units = await this.findByIds(unique);
    return new Map(units.map((u) => [u.id, u.code]));
  }

  /** By code; rows fetched limit + 1 for the page's next cursor. */
  list(opts: { limit: number; afterCode?: string; parentId?: string }): Promise<UnitEntity[]> {
    return this.reads.run((m) => {
      const qb = m
        .getRepository(UnitEntity)
        .createQueryBuilder('u')
        .orderBy('u.code', 'ASC')
        .limit(opts.limit + 1);
      if (opts.afterCode !== undefined) qb.andWhere('u.code > :after', { after: opts.afterCode });
      if (opts.parentId !== undefined) qb.andWhere('u.parent_id = :parentId', { parentId: opts.parentId });
      return qb.getMany();
    });
  }

  save(unit: Partial<UnitEntity>, manager: EntityManager = this.dataSource.manager): Promise<UnitEntity> {
    return manager.getRepository(UnitEntity).save(unit);
  }

  async lockTree(tx: UnitTx): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock($1)`, [TREE_LOCK_KEY]);
  }

  /** Locks one unit row for the rest of the transaction (deletion, update). */
  async lockById(id: string, tx: UnitTx): Promise<UnitEntity | null> {
    return tx.getRepository(UnitEntity).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** True when `candidate` is `unitId` itself or one of its descendants (so it cannot become its parent). */
  async isSelfOrDescendant(candidate: string, unitId: string, tx: UnitTx): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `WITH RECURSIVE up(id, parent_id) AS (
         SELECT id, parent_id FROM units WHERE id = $1
         UNION SELECT u.id, u.parent_id FROM units u JOIN up ON u.id = up.parent_id
       ) SELECT 1 FROM up WHERE id = $2 LIMIT 1`,
      [candidate, unitId],
    );
    return rows.length > 0;
  }

  async countChildren(unitId: string, tx: UnitTx): Promise<number> {
    const rows: { n: number }[] = await tx.query(`SELECT count(*)::int AS n FROM units WHERE parent_id = $1`, [unitId]);
    return rows[0].n;
  }

  async countUsers(unitId: string, tx: UnitTx): Promise<number> {
    const rows: { n: number }[] = await tx.query(`SELECT count(*)::int AS n FROM users WHERE unit_id = $1`, [unitId]);
    return rows[0].n;
  }

  async delete(id: string, tx: UnitTx): Promise<void> {
    await tx.getRepository(UnitEntity).delete({ id });
  }
}
