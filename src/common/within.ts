/**
 * `promise`, or a rejection with `message` once `ms` have passed: for calls to Redis, a queue or a
 * database that may hold a connection open without answering. The call itself may still settle
 * later; its outcome is then ignored (never an unhandled rejection).
 */
export function within<T>(promise: Promise<T>, ms: number, message = `no answer within ${ms} ms`): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  promise.catch(() => undefined);
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
