import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * procedure_versions.field_code: the field's code in the national procedure database (MaLinhVuc,
 * e.g. G09-XD01), which the portal's record requires beside the field's name (TenLinhVuc). It was
 * always sent empty: the catalogue had no such code. Versioned like the other rules; null until
 * an administrator sets it.
 */
export class ProcedureFieldCode1767000000000 implements MigrationInterface {
  name = 'ProcedureFieldCode1767000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE procedure_versions ADD COLUMN field_code text`);
    await q.query(
      `ALTER TABLE procedure_versions ADD CONSTRAINT procedure_versions_field_code_format
         CHECK (field_code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE procedure_versions DROP COLUMN field_code`);
  }
}
