import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Rejected records are kept whole (they are re-processed later) but sealed at rest with AES-256-GCM:
 * the key is derived (HKDF-SHA256) from JWT_SECRET, and the secrets of JWT_PREVIOUS_SECRETS still open
 * what was sealed before a rotation. Layout: 12-byte IV, 16-byte tag, ciphertext.
 */
export class RecordSeal {
  private readonly keys: Buffer[];

  constructor(secret: string, previous: readonly string[] = []) {
    this.keys = [secret, ...previous].map((s) =>
      Buffer.from(hkdfSync('sha256', s, 'sla-tracker', 'integration-records', 32)),
    );
  }

  seal(value: unknown): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys[0], iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  open(sealed: Buffer): unknown {
    const iv = sealed.subarray(0, 12);
    const tag = sealed.subarray(12, 28);
    const body = sealed.subarray(28);
    for (const key of this.keys) {
      try {
        const d = createDecipheriv('aes-256-gcm', key, iv);
        d.setAuthTag(tag);
        return JSON.parse(Buffer.concat([d.update(body), d.final()]).toString('utf8'));
      } catch {
        // next key
      }
    }
    throw new Error('sealed record cannot be opened with the configured secrets');
  }
}
