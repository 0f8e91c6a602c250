import { createServer, connect, Server, Socket } from 'node:net';
import type IORedis from 'ioredis';
import { createRedis } from 'src/jobs/redis';
import { waitFor } from '../support/processes';
import { freePort } from '../support/servers';
import { MASTER_NAME, SentinelGroup } from './sentinels';

/**
 * A TCP relay in front of one Sentinel that can hold new connections (accepted, nothing forwarded)
 * while the connections already open go on: a reconnecting client's question to the Sentinel then
 * waits exactly as long as the test wants, whatever the machine's speed.
 */
class HoldingRelay {
  private holding = false;
  private readonly held: Socket[] = [];
  readonly open = new Set<Socket>();
  /** Open connections that subscribed to +switch-master (a client's failover detector). */
  readonly subscribers = new Set<Socket>();
  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly target: number,
  ) {}

  static async start(target: number): Promise<HoldingRelay> {
    const port = await freePort();
    const server = createServer();
    const relay = new HoldingRelay(server, port, target);
    server.on('connection', (s) => relay.accept(s));
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    return relay;
  }

  get heldCount(): number {
    return this.held.length;
  }

  hold(): void {
    this.holding = true;
  }

  release(): void {
    this.holding = false;
    for (const s of this.held.splice(0)) this.forward(s);
  }

  async close(): Promise<void> {
    for (const s of [...this.held, ...this.open]) s.destroy();
    await new Promise((r) => this.server.close(r));
  }

  private accept(s: Socket): void {
    s.on('error', () => undefined);
    if (this.holding) {
      s.pause();
      this.held.push(s);
    } else {
      this.forward(s);
    }
  }

  private forward(s: Socket): void {
    const up = connect(this.target, '127.0.0.1');
    up.on('error', () => s.destroy());
    s.on('data', (chunk: Buffer) => {
      if (chunk.includes('+switch-master')) this.subscribers.add(s);
    });
    s.on('close', () => {
      this.open.delete(s);
      this.subscribers.delete(s);
      up.destroy();
    });
    up.on('close', () => s.destroy());
    this.open.add(s);
    s.pipe(up);
    up.pipe(s);
    s.resume();
  }
}

/**
 * The race behind the failover defect of issue 18, made deterministic: a client's failover detector
 * (its +switch-master subscriptions) must not end the client when the announcement arrives while the
 * client is asking a Sentinel where the master is. ioredis 5 alone ends the client for good
 * ("Connection is closed.") in that case; the connector of src/jobs/redis.ts must reconnect it.
 */
describe('A Redis client through Sentinels, when the new master is announced mid-reconnect', () => {
  let redis: SentinelGroup;
  let relays: HoldingRelay[] = [];
  let client: IORedis | undefined;

  beforeAll(async () => {
    redis = await SentinelGroup.start();
    relays = await Promise.all(redis.sentinelPorts.map((p) => HoldingRelay.start(p)));
    // Clients learn more Sentinels from SENTINEL SENTINELS: let those be the relays too.
    redis.sentinelPorts.forEach((p, i) => redis.announcePort(p, relays[i].port));
    const relayPorts = new Set(relays.map((r) => r.port));
    await waitFor(
      () => redis.sentinelPorts.every((p) => redis.peerPorts(p).filter((q) => relayPorts.has(q)).length === 2),
      60_000,
      'Sentinels announce the relays',
    );
    await waitFor(
      () => redis.sentinelPorts.every((p) => redis.peerPorts(p).every((q) => relayPorts.has(q))),
      60_000,
      'Sentinels forget their direct ports',
    );
  }, 120_000);

  afterAll(async () => {
    client?.disconnect();
    for (const r of relays) await r.close();
    await redis?.stop();
  }, 60_000);

  it('reaches the promoted master instead of ending when +switch-master lands during the question to a Sentinel', async () => {
    client = createRedis(
      {
        REDIS_URL: 'redis://127.0.0.1:1',
        REDIS_SENTINELS: relays.map((r) => `127.0.0.1:${r.port}`),
        REDIS_SENTINEL_MASTER: MASTER_NAME,
      },
      'probe',
    );
    const c = client;
    const ended: string[] = [];
    c.on('end', () => ended.push('end'));
    await waitFor(() => c.status === 'ready', 30_000, 'client ready');
    expect(await c.ping()).toBe('PONG');
    // The failover detector's subscriptions: one connection to each Sentinel, through the relays.
    await waitFor(() => relays.every((r) => r.subscribers.size === 1), 30_000, 'detector subscribed to every Sentinel');
    const detectorSockets = relays.flatMap((r) => [...r.subscribers]);

    const firstMaster = redis.masterPort();
    for (const r of relays) r.hold();
    await redis.killMaster();
    // The client lost its master and is asking a Sentinel again: that question is held by the relay.
    await waitFor(
      () => c.status === 'connecting' && relays.some((r) => r.heldCount > 0),
      60_000,
      'client reconnecting, its question to a Sentinel held',
    );
    // Meanwhile the Sentinels promote the replica and announce it on +switch-master.
    await waitFor(() => redis.masterPort() !== firstMaster, 60_000, 'failover');
    // The old detector is gone: retired by the reconnect (fixed), or after it acted on the
    // announcement (ioredis 5 alone, which also aborts the connect in progress).
    await waitFor(() => detectorSockets.every((s) => s.destroyed), 60_000, "old detector's subscriptions closed");
    expect(c.status).toBe('connecting');

    for (const r of relays) r.release();
    await waitFor(() => c.status === 'ready' || c.status === 'end', 60_000, 'client settled').catch(() => undefined);
    expect({ status: c.status, ended }).toEqual({ status: 'ready', ended: [] });
    expect(await c.ping()).toBe('PONG');
    const newMaster = redis.masterPort();
    expect(redis.role(newMaster)).toBe('master');
    // It writes: it is connected to the master, not to a replica.
    expect(await c.set('sentinel-client-probe', '1')).toBe('OK');
  }, 240_000);
});
