/**
 * The outcome of one try. `error` is what lands in alert_deliveries.last_error and the logs: an
 * HTTP status, a timeout, an error code, never an address, a URL, a response body or a secret.
 * `permanent`: retrying cannot help (the channel is not configured, the webhook is gone).
 */
export type SendResult = { ok: true } | { ok: false; error: string; permanent?: boolean };

export const MAX_ERROR_LENGTH = 200;

export const failure = (error: string, permanent = false): SendResult => ({
  ok: false,
  error: error.slice(0, MAX_ERROR_LENGTH),
  permanent,
});
