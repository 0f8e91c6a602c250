import { ConfigError, loadConfig } from './app-config';

const valid = { JWT_SECRET: 's'.repeat(32) };

describe('configuration', () => {
  it('applies the documented defaults when only the required secret is given', () => {
    const c = loadConfig(valid);
    expect(c.PORT).toBe(3000);
    expect(c.QUEUE_PREFIX).toBe('sla');
    expect(c.CORS_ORIGINS).toEqual([]);
    expect(c.SLA_SCAN_CRON).toBe('* * * * *');
  });

  it('parses numbers and lists from strings', () => {
    const c = loadConfig({ ...valid, PORT: '8080', CORS_ORIGINS: 'https://a.example, https://b.example' });
    expect(c.PORT).toBe(8080);
    expect(c.CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', REDIS_URL: 'nope', JWT_SECRET: 'short' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const names = (error as ConfigError).problems.map((p) => p.split(':')[0]).sort();
    expect(names).toEqual(['DATABASE_URL', 'JWT_SECRET', 'PORT', 'REDIS_URL']);
  });

  it('takes the trusted proxies as addresses, CIDR ranges or range names, and names a bad entry', () => {
    expect(loadConfig(valid).TRUST_PROXY).toEqual([]);
    const c = loadConfig({ ...valid, TRUST_PROXY: '10.0.0.0/8, 192.168.1.7, loopback, fd00::/8' });
    expect(c.TRUST_PROXY).toEqual(['10.0.0.0/8', '192.168.1.7', 'loopback', 'fd00::/8']);
    for (const bad of ['true', '10.0.0.0/33', '300.1.1.1', '10.0.0.0/8/1', 'proxy.example', 'fd00::/129'])
      expect(() => loadConfig({ ...valid, TRUST_PROXY: bad })).toThrow(/TRUST_PROXY/);
  });

  it('takes read replicas as postgres URLs and Sentinels as host:port, naming a bad entry', () => {
    const c = loadConfig({
      ...valid,
      DATABASE_READ_URL: 'postgres://ro@10.0.0.2:5432/sla, postgres://ro@10.0.0.3/sla',
      REDIS_SENTINELS: '10.0.0.5:26379,sentinel-2.internal:26379, [fd00::7]:26379',
      REDIS_SENTINEL_MASTER: 'sla-queues',
    });
    expect(c.DATABASE_READ_URL).toEqual(['postgres://ro@10.0.0.2:5432/sla', 'postgres://ro@10.0.0.3/sla']);
    expect(c.REDIS_SENTINELS).toEqual(['10.0.0.5:26379', 'sentinel-2.internal:26379', '[fd00::7]:26379']);
    expect(c.REDIS_SENTINEL_MASTER).toBe('sla-queues');
    expect(loadConfig(valid).DATABASE_READ_URL).toEqual([]);
    expect(loadConfig(valid).REDIS_SENTINELS).toEqual([]);
    expect(() => loadConfig({ ...valid, DATABASE_READ_URL: 'postgres://a/x,mysql://b/x' })).toThrow(
      /DATABASE_READ_URL/,
    );
    expect(() => loadConfig({ ...valid, REDIS_SENTINELS: '10.0.0.5' })).toThrow(/REDIS_SENTINELS/);
    expect(() => loadConfig({ ...valid, REDIS_SENTINEL_MASTER: 'a b' })).toThrow(/REDIS_SENTINEL_MASTER/);
    expect(() => loadConfig({ ...valid, DATABASE_READ_MAX_LAG_MS: '10' })).toThrow(/DATABASE_READ_MAX_LAG_MS/);
  });

  it('refuses to start without a JWT secret', () => {
    expect(() => loadConfig({})).toThrow(/JWT_SECRET/);
  });

  it('refuses a cron expression that is not one, and takes off for no tick', () => {
    expect(() => loadConfig({ ...valid, SLA_SCAN_CRON: 'often' })).toThrow(/SLA_SCAN_CRON/);
    expect(() => loadConfig({ ...valid, SWEEP_CRON: 'Off' })).toThrow(/SWEEP_CRON/);
    expect(loadConfig({ ...valid, SLA_SCAN_CRON: 'off' }).SLA_SCAN_CRON).toBe('off');
  });

  it('keeps the ledgers for ever unless LEDGER_RETENTION_MONTHS says otherwise, and refuses a bad one', () => {
    expect(loadConfig(valid).LEDGER_RETENTION_MONTHS).toBe(0);
    expect(loadConfig({ ...valid, LEDGER_RETENTION_MONTHS: '24' }).LEDGER_RETENTION_MONTHS).toBe(24);
    for (const bad of ['-1', '1.5', 'two years', '1201']) {
      expect(() => loadConfig({ ...valid, LEDGER_RETENTION_MONTHS: bad })).toThrow(/LEDGER_RETENTION_MONTHS/);
    }
  });
});
