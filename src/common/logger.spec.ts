import { QueryFailedError } from 'typeorm';
import { safeErrorSerializer } from 'src/common/logger';

/** What node-postgres attaches to a failed statement (pg's DatabaseError fields). */
function pgError(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), { name: 'error', severity: 'ERROR', ...fields });
}

describe('safeErrorSerializer', () => {
  it('drops the statement, its parameters and the quoted values of a failed query, keeping what diagnoses it', () => {
    const applicant = ['Nguyễn Văn Bình', '001085012345', '0912345678'];
    const err = new QueryFailedError(
      'INSERT INTO dossiers (applicant_name, id_number, phone) VALUES ($1, $2, $3)',
      applicant,
      pgError(`duplicate key value violates unique constraint "dossiers_id_number_key"`, {
        code: '23505',
        detail: `Key (id_number)=(${applicant[1]}) already exists.`,
        table: 'dossiers',
        constraint: 'dossiers_id_number_key',
        where: `SQL statement with ${applicant[0]}`,
      }),
    );
    const out = safeErrorSerializer(err) as Record<string, unknown>;
    const text = JSON.stringify(out);
    for (const value of applicant) expect(text).not.toContain(value);
    expect(text).not.toContain('INSERT INTO');
    expect(out).toMatchObject({ code: '23505', table: 'dossiers', constraint: 'dossiers_id_number_key' });
    expect(out.message).toBe('duplicate key value violates unique constraint "…"');
  });

  it('masks the offending value PostgreSQL quotes in its message and stack', () => {
    const err = new QueryFailedError(
      'SELECT 1 WHERE id = $1',
      ['Trần Thị Hoa'],
      pgError('invalid input syntax for type uuid: "Trần Thị Hoa"', { code: '22P02' }),
    );
    const out = safeErrorSerializer(err) as Record<string, unknown>;
    expect(JSON.stringify(out)).not.toContain('Trần Thị Hoa');
    expect(out.message).toBe('invalid input syntax for type uuid: "…"');
    expect(out.code).toBe('22P02');
  });

  it('leaves other errors as pino serializes them', () => {
    const out = safeErrorSerializer(new TypeError('bad "thing"')) as Record<string, unknown>;
    expect(out).toMatchObject({ type: 'TypeError', message: 'bad "thing"' });
    expect(out.stack).toEqual(expect.stringContaining('TypeError'));
    expect(safeErrorSerializer('not an error')).toBe('not an error');
  });
});
