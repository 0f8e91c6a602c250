/**
 * A circuit breaker per provider, per worker process: after `threshold` provider faults in a row
 * (timeouts, 5xx, unknown errors — not a person's missing Zalo account), calls are refused for
 * `openMs`; then one call is let through (half-open) and its result closes or reopens the circuit.
 * While open, a message is not sent and waits for its next try, so an outage costs one timeout per
 * threshold instead of one per message. Hand-written (25 lines) rather than opossum: the decision
 * of what counts as a fault is the provider's answer, not a thrown error, and the state must be
 * read before the claim to leave the message untouched.
 */
export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private probing = false;

  constructor(
    readonly threshold = 5,
    readonly openMs = 30_000,
  ) {}

  /** Whether a call may go out now (and, half-open, marks the one probe in flight). */
  allow(now: number): boolean {
    if (this.failures < this.threshold) return true;
    if (now < this.openUntil || this.probing) return false;
    this.probing = true;
    return true;
  }

  record(fault: boolean, now: number): void {
    this.probing = false;
    if (!fault) {
      this.failures = 0;
      return;
    }
    this.failures++;
    if (this.failures >= this.threshold) this.openUntil = now + this.openMs;
  }

  get open(): boolean {
    return this.failures >= this.threshold;
  }
}
