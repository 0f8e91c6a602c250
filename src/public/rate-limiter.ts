/**
 * Token buckets per client, in memory. Pure: time comes in as epoch milliseconds.
 *
 * Why in process and not in PostgreSQL or Redis: the public lookup is the one unauthenticated read
 * path; a limiter that writes a row per request would turn every probe into a database write (the
 * flood it is meant to stop would land on the source of truth), and Redis holds queues only
 * (docs/architecture.md). What the limiter protects is cheap to lose: codes reveal only status and dates,
 * and rating or feedback also need the 60-bit lookup key. So each API instance limits on its own:
 * with N instances behind a balancer a client gets at most N times the budget, which still makes
 * probing codes slow. A reverse proxy in front may limit globally as well.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface BucketPolicy {
  /** Requests a client may make in a burst. */
  capacity: number;
  /** Tokens added per second (the sustained rate). */
  refillPerSecond: number;
  /** Clients remembered at most (memory bound); beyond it idle buckets, then the oldest, are dropped. */
  maxClients: number;
}

export type Take = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(readonly policy: BucketPolicy) {}

  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token for `key` at `now`; refused with the seconds until one is available. */
  take(key: string, now: number): Take {
    const { capacity, refillPerSecond } = this.policy;
    const seen = this.buckets.get(key);
    let tokens = seen ? this.level(seen, now) : capacity;
    if (!seen && this.buckets.size >= this.policy.maxClients) this.evict(now);
    // Re-inserted at every use, so Map order is least recently used first.
    this.buckets.delete(key);
    if (tokens >= 1) {
      tokens -= 1;
      this.buckets.set(key, { tokens, at: now });
      return { allowed: true, remaining: Math.floor(tokens) };
    }
    this.buckets.set(key, { tokens, at: now });
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / refillPerSecond)) };
  }

  private level(b: Bucket, now: number): number {
    // A clock set back (tests, NTP) adds nothing rather than taking tokens away.
    const elapsed = Math.max(0, now - b.at) / 1000;
    return Math.min(this.policy.capacity, b.tokens + elapsed * this.policy.refillPerSecond);
  }

  private evict(now: number): void {
    for (const [key, b] of this.buckets) {
      if (this.level(b, now) >= this.policy.capacity) this.buckets.delete(key);
    }
    while (this.buckets.size >= this.policy.maxClients) {
      const oldest = this.buckets.keys().next().value as string;
      this.buckets.delete(oldest);
    }
  }
}

/**
 * The bucket key of a client address: IPv4 as is (also when mapped into IPv6), IPv6 by its /64
 * prefix (one subscriber usually holds a whole /64, so per-address keys would be free to rotate).
 */
export function clientKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const ip = address.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1];
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return ip;
  return `${expandIPv6(ip).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, as lower-case hex without leading zeros. */
function expandIPv6(ip: string): string[] {
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, null];
  const part = (s: string | null) => (s ? s.split(':') : []);
  const left = part(head);
  const right = part(tail);
  // An embedded IPv4 tail (::ffff:1.2.3.4 was handled above; others are rare) counts as two groups.
  const groups = [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return groups.map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16).toString(16) : g.toLowerCase()));
}
