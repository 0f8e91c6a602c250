/**
 * Errors that say the database cannot serve right now, not that the statement is wrong: no
 * connection within DATABASE_POOL_TIMEOUT_MS (node-postgres's pool), a connection refused, reset or
 * cut (PostgreSQL restarting, a failover), a server shutting down or not yet accepting connections,
 * or out of connections. The API answers them 503 SERVICE_UNAVAILABLE with Retry-After: the client
 * may send the same request again (with the same Idempotency-Key for a write).
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'EAI_AGAIN',
]);
/** SQLSTATE: admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections. */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300']);
/** node-postgres's own messages: the pool's wait ran out; the socket closed under a client. */
const MESSAGES =
  /^(timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error)/;

export function databaseUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  // TypeORM wraps a failed query in QueryFailedError; the driver's error is its driverError.
  const inner = (
    'driverError' in err && err.driverError && typeof err.driverError === 'object' ? err.driverError : err
  ) as {
    code?: unknown;
    message?: unknown;
  };
  const code = typeof inner.code === 'string' ? inner.code : '';
  if (NETWORK_CODES.has(code) || SERVER_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  return typeof inner.message === 'string' && MESSAGES.test(inner.message);
}
