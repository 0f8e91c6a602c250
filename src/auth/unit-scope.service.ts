import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AuthUser } from 'src/auth/auth-user';

/**
 * Which units a user may see: admin and the reform board see all (null), a unit head its unit's
 * subtree, everyone else its own unit. Later modules filter dossiers, alerts and reports with it,
 * and answer 404 (never 403) for anything outside, so existence is not revealed.
 */
@Injectable()
export class UnitScopeService {
  constructor(private readonly dataSource: DataSource) {}

  async visibleUnitIds(user: AuthUser): Promise<string[] | null> {
    if (user.role === 'admin' || user.role === 'reform_board') return null;
    if (!user.unitId) return [];
    if (user.role !== 'unit_head') return [user.unitId];
    return this.subtree(user.unitId);
  }

  async subtree(unitId: string): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `WITH RECURSIVE t(id) AS (SELECT $1::uuid UNION ALL SELECT u.id FROM units u JOIN t ON u.parent_id = t.id)
       SELECT id FROM t`,
      [unitId],
    );
    return rows.map((r) => r.id);
  }

  async canSeeUnit(user: AuthUser, unitId: string | null): Promise<boolean> {
    const visible = await this.visibleUnitIds(user);
    return visible === null || (unitId !== null && visible.includes(unitId));
  }
}
