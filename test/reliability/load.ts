// A load of intakes and actions over real sockets, spread over several API processes, that keeps
// a record of every request and of every logical write. Each write carries an Idempotency-Key; a
// try that is not acknowledged (socket error, timeout, 5xx) is tried again with the same key,
// on the next API process, until it is acknowledged, so the record says exactly which writes the
// clients were told had happened.
import { setTimeout as sleep } from 'node:timers/promises';
import { intakeBody } from '../support/province';
import { ApiProcess, http, HttpAnswer } from './support';

export interface Attempt {
  write: string;
  api: string;
  status: number | null;
  error?: string;
  ms: number;
}

export interface Write {
  key: string;
  op: 'intake' | 'forward' | 'resolve';
  /** The dossier acted on (actions), or created (acknowledged intakes). */
  dossierId?: string;
  /** The event an acknowledged action must have appended. */
  seq?: number;
  acknowledged: boolean;
  tries: number;
}

export interface Tokens {
  clerk: string;
  officer: string;
  signer: string;
}

const STEPS = [
  { op: 'forward', token: 'clerk', body: {} },
  { op: 'forward', token: 'officer', body: {} },
  { op: 'resolve', token: 'signer', body: { resultSummary: 'Cấp giấy phép xây dựng', electronicResult: true } },
] as const;

export class Load {
  readonly attempts: Attempt[] = [];
  readonly writes: Write[] = [];
  /** Answers that retrying cannot fix (4xx): must stay empty. */
  readonly refused: { key: string; status: number; body: unknown }[] = [];
  readonly inflight = new Map<string, number>();
  private stopping = false;
  private giveUpAt = Infinity;
  private running: Promise<void>[] = [];

  constructor(
    private readonly apis: ApiProcess[],
    private readonly tokens: Tokens,
    private readonly runId: string,
  ) {}

  /** `clients` loops of intake -> forward -> forward -> resolve; `existing` received dossiers are taken by one more client. */
  start(clients: number, existing: string[] = []): void {
    for (let c = 0; c < clients; c++) this.running.push(this.flow(c));
    if (existing.length) this.running.push(this.drive(clients, existing));
  }

  /** Stops starting new writes; those in progress are tried until acknowledged or `drainMs` passes. */
  async stop(drainMs: number): Promise<void> {
    this.stopping = true;
    this.giveUpAt = Date.now() + drainMs;
    await Promise.all(this.running);
  }

  inflightOn(api: ApiProcess): number {
    return this.inflight.get(api.name) ?? 0;
  }

  /** One logical write, tried on API after API with the same Idempotency-Key until a 2xx answer. */
  async send(
    write: Write,
    method: string,
    url: string,
    token: string,
    body: unknown,
    first: number,
  ): Promise<HttpAnswer | null> {
    this.writes.push(write);
    for (let i = first; ; i++) {
      const api = this.apis[i % this.apis.length];
      const t0 = Date.now();
      let res: HttpAnswer | null = null;
      let error: string | undefined;
      this.inflight.set(api.name, this.inflightOn(api) + 1);
      try {
        res = await http(api.url, method, url, {
          token,
          body,
          headers: { 'idempotency-key': write.key },
          timeoutMs: 10_000,
        });
      } catch (err) {
        error = (err as Error).cause ? String((err as { cause: Error }).cause.message) : (err as Error).message;
      } finally {
        this.inflight.set(api.name, this.inflightOn(api) - 1);
      }
      write.tries++;
      this.attempts.push({ write: write.key, api: api.name, status: res?.status ?? null, error, ms: Date.now() - t0 });
      if (res && res.status >= 200 && res.status < 300) {
        write.acknowledged = true;
        return res;
      }
      if (res && res.status >= 400 && res.status < 500) {
        this.refused.push({ key: write.key, status: res.status, body: res.body });
        return null;
      }
      if (Date.now() > this.giveUpAt) return null;
      await sleep(100);
    }
  }

  private async flow(client: number): Promise<void> {
    for (let n = 0; !this.stopping; n++) {
      const key = `${this.runId}-c${client}-${n}`;
      const intake: Write = { key: `${key}-intake`, op: 'intake', acknowledged: false, tries: 0 };
      const res = await this.send(intake, 'POST', '/dossiers', this.tokens.clerk, intakeBody(), client + n);
      if (!res) continue;
      intake.dossierId = res.body.id;
      await this.actions(key, res.body.id, client + n);
    }
  }

  private async drive(client: number, ids: string[]): Promise<void> {
    for (const [n, id] of ids.entries()) {
      if (this.stopping) return;
      await this.actions(`${this.runId}-c${client}-${n}`, id, client + n);
    }
  }

  private async actions(key: string, id: string, first: number): Promise<void> {
    for (const [i, step] of STEPS.entries()) {
      const w: Write = { key: `${key}-a${i}`, op: step.op, dossierId: id, seq: i + 2, acknowledged: false, tries: 0 };
      const body = { expectedVersion: i + 1, ...step.body };
      const res = await this.send(
        w,
        'POST',
        `/dossiers/${id}/actions/${step.op}`,
        this.tokens[step.token],
        body,
        first + i + 1,
      );
      if (!res) return;
    }
  }

  summary() {
    const acked = this.attempts.filter((a) => a.status !== null && a.status >= 200 && a.status < 300).length;
    return {
      requestsSent: this.attempts.length,
      requestsAcknowledged: acked,
      requestsFailed: this.attempts.length - acked,
      writes: this.writes.length,
      writesAcknowledged: this.writes.filter((w) => w.acknowledged).length,
      writesNeverAcknowledged: this.writes.filter((w) => !w.acknowledged).length,
    };
  }
}
