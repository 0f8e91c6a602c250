import { clientKey, TokenBuckets } from 'src/public/rate-limiter';

describe('token buckets per client', () => {
  const policy = { capacity: 3, refillPerSecond: 0.5, maxClients: 100 };

  it('allows a burst of the capacity, then refuses with the seconds until the next token', () => {
    const b = new TokenBuckets(policy);
    expect([1, 2, 3].map(() => b.take('a', 0).allowed)).toEqual([true, true, true]);
    expect(b.take('a', 0)).toEqual({ allowed: false, retryAfterSeconds: 2 });
    expect(b.take('a', 1000)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(b.take('a', 2000)).toMatchObject({ allowed: true });
  });

  it('keeps clients apart', () => {
    const b = new TokenBuckets(policy);
    for (let i = 0; i < 3; i++) b.take('a', 0);
    expect(b.take('a', 0).allowed).toBe(false);
    expect(b.take('b', 0).allowed).toBe(true);
  });

  it('never refills past the capacity nor when the clock goes back', () => {
    const b = new TokenBuckets(policy);
    b.take('a', 1_000_000);
    for (let i = 0; i < 3; i++) expect(b.take('a', 0).allowed).toBe(i < 2);
  });

  it('stays within its memory bound, dropping idle buckets first', () => {
    const b = new TokenBuckets({ ...policy, maxClients: 2 });
    b.take('idle', 0);
    for (let i = 0; i < 3; i++) b.take('busy', 10_000);
    b.take('new', 10_000); // 'idle' has refilled: dropped first
    expect(b.size).toBe(2);
    expect(b.take('busy', 10_000).allowed).toBe(false);
  });
});

describe('client keys', () => {
  it('keys IPv4 by address (also when mapped into IPv6) and IPv6 by its /64', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('2001:db8:0:1:aaaa::1')).toBe('2001:db8:0:1::/64');
    expect(clientKey('2001:0db8:0000:0001:ffff:ffff:ffff:ffff')).toBe('2001:db8:0:1::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey(undefined)).toBe('unknown');
  });
});
