import { timingSafeEqual } from 'node:crypto';
import { hashLookupKey } from 'src/dossiers/dossiers.service';

/**
 * Whether `given` is the lookup key whose hash is `storedHash` (hex SHA-256), compared in constant
 * time. Keys are stored hashed and shown once, at intake (DossiersService.intake).
 */
export function lookupKeyMatches(given: string, storedHash: string): boolean {
  const a = Buffer.from(hashLookupKey(given), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
