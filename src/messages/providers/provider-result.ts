/**
 * The outcome of one try with a provider. `error` is what lands in citizen_messages.error and the
 * logs: a provider's code, an HTTP status, a timeout; never a phone number, a text, a token or a URL.
 * - `retry`: the provider or the network failed; trying again later may work (backoff).
 * - `undeliverable`: this channel cannot reach this person (no Zalo account, number refused): Zalo
 *   falls back to SMS at once.
 * - `permanent`: retrying cannot help (not configured, credentials refused, out of quota for the day).
 */
export type ProviderResult =
  | { ok: true; providerMessageId: string | null }
  | { ok: false; kind: 'retry' | 'undeliverable' | 'permanent'; error: string };

export const providerFailure = (kind: 'retry' | 'undeliverable' | 'permanent', error: string): ProviderResult => ({
  ok: false,
  kind,
  error: error.slice(0, 200),
});

/** A fetch failure as a code (timeout, ECONNREFUSED…), never the message (it may quote the URL). */
export function networkError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; cause?: { code?: unknown } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `timeout after ${timeoutMs} ms`;
  const code = typeof e.cause?.code === 'string' ? e.cause.code : (e.name ?? 'Error');
  return `network error: ${code}`;
}

/** Reads a JSON answer; null when the body is not JSON (a proxy's HTML error page). */
export async function jsonBody(res: Response): Promise<Record<string, unknown> | null> {
  try {
    const v: unknown = await res.json();
    return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
