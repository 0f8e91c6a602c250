import { CircuitBreaker } from './circuit-breaker';

describe('circuit breaker per provider', () => {
  it('opens after the threshold of faults in a row, lets one probe through after the pause, closes on success', () => {
    const b = new CircuitBreaker(3, 1000);
    for (let i = 0; i < 3; i++) {
      expect(b.allow(0)).toBe(true);
      b.record(true, 0);
    }
    expect(b.allow(500)).toBe(false);
    expect(b.allow(1000)).toBe(true); // the probe
    expect(b.allow(1000)).toBe(false); // only one at a time
    b.record(false, 1000);
    expect(b.allow(1001)).toBe(true);
    expect(b.open).toBe(false);
  });

  it('reopens when the probe fails, and a success in between resets the count', () => {
    const b = new CircuitBreaker(2, 1000);
    b.record(true, 0);
    b.record(false, 0);
    b.record(true, 0);
    expect(b.allow(0)).toBe(true);
    b.record(true, 0);
    expect(b.allow(10)).toBe(false);
    expect(b.allow(1000)).toBe(true);
    b.record(true, 1000);
    expect(b.allow(1500)).toBe(false);
    expect(b.allow(2000)).toBe(true);
  });
});
