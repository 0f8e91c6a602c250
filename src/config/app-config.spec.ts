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

  it('refuses to start without a JWT secret', () => {
    expect(() => loadConfig({})).toThrow(/JWT_SECRET/);
  });

  it('refuses a cron expression that is not one', () => {
    expect(() => loadConfig({ ...valid, SLA_SCAN_CRON: 'often' })).toThrow(/SLA_SCAN_CRON/);
  });
});
