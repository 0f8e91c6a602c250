/**
 * TCP keepalive on every connection to PostgreSQL (primary and replicas) and Redis, after this
 * long idle. A connection whose peer vanished without a word (a host powered off, a network cut:
 * no reset ever comes) is otherwise never found dead while it waits for an answer: nothing is in
 * flight, so TCP has nothing to retransmit and nothing to time out. With keepalive the kernel
 * probes it once it has been idle this long (libuv then probes each second, ten times), and the
 * query or command waiting on it fails: the request is answered (503, or a read sent to the
 * primary) and the pool or client opens a new connection.
 */
export const TCP_KEEPALIVE_MS = 10_000;
