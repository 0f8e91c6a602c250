import { parseLsn, replicaUnfit } from './read-replicas';

describe('read replica helpers', () => {
  it('orders WAL positions as PostgreSQL does (high word, then low word)', () => {
    expect(parseLsn('0/3000000')).toBe(0x3000000n);
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) + 0xb374d848n);
    expect(parseLsn('1/0')! > parseLsn('0/FFFFFFFF')!).toBe(true);
    expect(parseLsn(null)).toBeNull();
    expect(parseLsn('garbage')).toBeNull();
  });

  it('sends a read to the primary again only for connection losses and recovery conflicts, not for faults of the query', () => {
    expect(replicaUnfit({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5433' })).toBe(true);
    expect(replicaUnfit(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(
      replicaUnfit({ driverError: { code: '57P01' }, message: 'terminating connection due to administrator command' }),
    ).toBe(true);
    expect(
      replicaUnfit({ driverError: { code: '40001' }, message: 'canceling statement due to conflict with recovery' }),
    ).toBe(true);
    expect(replicaUnfit({ driverError: { code: '42P01' }, message: 'relation "x" does not exist' })).toBe(false);
    expect(replicaUnfit({ driverError: { code: '22P02' }, message: 'invalid input syntax for type uuid' })).toBe(false);
  });
});
