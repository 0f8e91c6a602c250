import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, In, Repository } from 'typeorm';
import { UnitEntity } from 'src/catalogue/unit.entity';

@Injectable()
export class UnitsRepository {
  private readonly repo: Repository<UnitEntity>;
  constructor(private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(UnitEntity);
  }

  findById(id: string): Promise<UnitEntity | null> {
    return this.repo.findOneBy({ id });
  }

  findByCode(code: string): Promise<UnitEntity | null> {
    return this.repo.findOneBy({ code });
  }

  findByIds(ids: string[]): Promise<UnitEntity[]> {
    return ids.length ? this.repo.findBy({ id: In(ids) }) : Promise.resolve([]);
  }

  /** Code by id for a set of ids, for mapping responses without one query per row. */
  async codesById(ids: (string | null)[]): Promise<Map<string, string>> {
    const unique = [...new Set(ids.filter((x): x is string => !!x))];
    const units = await this.findByIds(unique);
    return new Map(units.map((u) => [u.id, u.code]));
  }

  save(unit: Partial<UnitEntity>, manager: EntityManager = this.dataSource.manager): Promise<UnitEntity> {
    return manager.getRepository(UnitEntity).save(unit);
  }
}
