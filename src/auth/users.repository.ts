import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, ILike, Repository } from 'typeorm';
import { UserEntity } from 'src/auth/user.entity';

@Injectable()
export class UsersRepository {
  private readonly repo: Repository<UserEntity>;
  constructor(private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(UserEntity);
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.repo.findOneBy({ id });
  }

  findByUsername(username: string): Promise<UserEntity | null> {
    return this.repo.findOneBy({ username: username.toLowerCase() });
  }

  async list(opts: { limit: number; afterUsername?: string; unitIds?: string[] | null; search?: string }) {
    const qb = this.repo
      .createQueryBuilder('u')
      .orderBy('u.username', 'ASC')
      .limit(opts.limit + 1);
    if (opts.afterUsername) qb.andWhere('u.username > :after', { after: opts.afterUsername });
    if (opts.unitIds) qb.andWhere('u.unit_id = ANY(:unitIds)', { unitIds: opts.unitIds });
    if (opts.search) qb.andWhere({ username: ILike(`%${opts.search}%`) });
    return qb.getMany();
  }

  save(user: Partial<UserEntity>, manager: EntityManager = this.dataSource.manager): Promise<UserEntity> {
    return manager.getRepository(UserEntity).save(user);
  }

  countAdmins(): Promise<number> {
    return this.repo.countBy({ role: 'admin', active: true });
  }
}
