import * as jwt from 'jsonwebtoken';
import { createSecretKey } from 'node:crypto';
import { VerifiedTokens } from './verified-tokens';

const CURRENT = createSecretKey(Buffer.from('current-secret-'.padEnd(48, 'c')));
const PREVIOUS = createSecretKey(Buffer.from('previous-secret-'.padEnd(48, 'p')));
const OTHER = createSecretKey(Buffer.from('unknown-secret-'.padEnd(48, 'u')));
const T0 = Date.UTC(2026, 11, 7, 3, 0, 0);
const S0 = T0 / 1000;

const sign = (claims: Record<string, unknown>, key = CURRENT) =>
  jwt.sign({ sub: 'u1', ...claims }, key, { algorithm: 'HS256', noTimestamp: true });

/** What jsonwebtoken alone answers at `ms` (current secret, then the previous one). */
function reference(token: string, ms: number): object | null {
  for (const key of [CURRENT, PREVIOUS]) {
    try {
      return jwt.verify(token, key, { algorithms: ['HS256'], clockTimestamp: Math.floor(ms / 1000) }) as object;
    } catch {
      // next
    }
  }
  return null;
}

describe('verified bearer tokens', () => {
  let now = T0;
  const clock = () => now;
  beforeEach(() => {
    now = T0;
  });

  it('refuses a token kept from an earlier use from its expiry second on, as jsonwebtoken does', () => {
    const tokens = new VerifiedTokens([CURRENT, PREVIOUS], clock);
    const token = sign({ exp: S0 + 60 });
    expect(tokens.verify(token)).toMatchObject({ sub: 'u1' });
    expect(tokens.size).toBe(1);
    for (const at of [T0 + 30_000, T0 + 59_999, T0 + 60_000, T0 + 61_000]) {
      now = at;
      expect(tokens.verify(token) !== null).toBe(reference(token, at) !== null);
    }
    // Dropped once refused.
    expect(tokens.size).toBe(0);
  });

  it('accepts a kept token with a not-before claim only from that second on', () => {
    const tokens = new VerifiedTokens([CURRENT], clock);
    const token = sign({ nbf: S0 - 10, exp: S0 + 600 });
    expect(tokens.verify(token)).not.toBeNull();
    now = T0 - 20_000;
    expect(tokens.verify(token)).toBeNull();
    expect(reference(token, now)).toBeNull();
  });

  it('never keeps what failed: bad signature, unknown secret, another algorithm, expired, garbage', () => {
    const tokens = new VerifiedTokens([CURRENT, PREVIOUS], clock);
    const good = sign({ exp: S0 + 60 });
    const [head, body] = good.split('.');
    const refused = [
      `${head}.${body}.${'A'.repeat(43)}`,
      sign({ exp: S0 + 60 }, OTHER),
      jwt.sign({ sub: 'u1', exp: S0 + 60 }, CURRENT, { algorithm: 'HS512' }),
      sign({ exp: S0 - 1 }),
      'not.a.token',
      '',
    ];
    for (const t of refused) {
      expect(tokens.verify(t)).toBeNull();
      expect(tokens.verify(t)).toBeNull();
    }
    expect(tokens.size).toBe(0);
  });

  it('verifies tokens of the previous secret (rotation) and keeps them too', () => {
    const tokens = new VerifiedTokens([CURRENT, PREVIOUS], clock);
    const token = sign({ exp: S0 + 60 }, PREVIOUS);
    expect(tokens.verify(token)).toMatchObject({ sub: 'u1' });
    expect(tokens.verify(token)).toMatchObject({ sub: 'u1' });
    expect(tokens.size).toBe(1);
  });

  it('stays within its bound', () => {
    const tokens = new VerifiedTokens([CURRENT], clock, 3);
    for (let i = 0; i < 10; i++) expect(tokens.verify(sign({ n: i, exp: S0 + 60 }))).not.toBeNull();
    expect(tokens.size).toBeLessThanOrEqual(3);
  });
});
