import * as jwt from 'jsonwebtoken';
import type { KeyObject } from 'node:crypto';

/**
 * HS256 bearer tokens verified with jsonwebtoken (the current secret, then the previous ones), and
 * the payloads of the tokens that passed kept by their exact text: a client sends the same token
 * on every request, and verifying it again (decode, HMAC, claims) cost about a sixth of the API's
 * CPU on a cheap read. A signature never stops being valid, so a kept payload only needs the
 * claims that depend on the time checked again, as jsonwebtoken checks them (`exp`: refused from
 * that second on; `nbf`: refused before it). Only verified tokens are kept (a forged one costs a
 * verification every time, as before); the map is emptied when it reaches `max` tokens.
 */
export class VerifiedTokens<P extends { exp?: unknown; nbf?: unknown }> {
  private readonly kept = new Map<string, P>();

  constructor(
    private readonly keys: readonly KeyObject[],
    private readonly nowMs: () => number = Date.now,
    private readonly max = 10_000,
  ) {}

  /** The payload of a valid token, or null (bad signature, algorithm, expiry, not yet valid). */
  verify(token: string): P | null {
    const now = Math.floor(this.nowMs() / 1000);
    const hit = this.kept.get(token);
    if (hit) {
      if (timely(hit, now)) return hit;
      this.kept.delete(token);
      return null;
    }
    for (const key of this.keys) {
      try {
        const decoded = jwt.verify(token, key, { algorithms: ['HS256'], clockTimestamp: now });
        if (typeof decoded !== 'object' || decoded === null) return null;
        if (this.kept.size >= this.max) this.kept.clear();
        this.kept.set(token, decoded as P);
        return decoded as P;
      } catch {
        // try the next secret
      }
    }
    return null;
  }

  get size(): number {
    return this.kept.size;
  }
}

/** jsonwebtoken's time checks on a verified payload (no clock tolerance). */
function timely(p: { exp?: unknown; nbf?: unknown }, now: number): boolean {
  if (p.nbf !== undefined && !(typeof p.nbf === 'number' && p.nbf <= now)) return false;
  if (p.exp !== undefined && !(typeof p.exp === 'number' && now < p.exp)) return false;
  return true;
}
