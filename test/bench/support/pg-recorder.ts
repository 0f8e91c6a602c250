// Watches the statements the in-process API sends to PostgreSQL, at the driver (pg.Client.query,
// which TypeORM calls for every statement, transaction control included). Used to count
// statements per request under load and to record one request's statements exactly, with the
// parameter values serialised as node-postgres sends them, for the pgbench baseline.
import { createRequire } from 'node:module';
import { Client } from 'pg';

export interface RecordedStatement {
  text: string;
  /** Parameters as sent on the wire (text), null for SQL NULL. */
  values: (string | null)[];
}

const load = createRequire(__filename);
const { prepareValue } = load('pg/lib/utils') as { prepareValue(v: unknown): unknown };

function wire(v: unknown): string | null {
  const p = prepareValue(v);
  if (p === null || p === undefined) return null;
  return Buffer.isBuffer(p) ? p.toString('utf8') : String(p);
}

export class PgRecorder {
  /** Statements sent since install (all pooled connections of this process). */
  count = 0;
  private recording: RecordedStatement[] | null = null;
  private readonly original: (...args: unknown[]) => unknown;

  private constructor() {
    const proto = Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
    this.original = proto.query;
    const original = this.original;
    const onQuery = (args: unknown[]) => {
      this.count++;
      if (this.recording) {
        const [config, values] = args as [unknown, unknown];
        const text = typeof config === 'string' ? config : (config as { text?: string })?.text;
        const params = Array.isArray(values) ? values : ((config as { values?: unknown[] })?.values ?? []);
        if (typeof text === 'string') this.recording.push({ text, values: params.map(wire) });
      }
    };
    proto.query = function patched(this: unknown, ...args: unknown[]) {
      onQuery(args);
      return original.apply(this, args);
    };
  }

  static install(): PgRecorder {
    return new PgRecorder();
  }

  /** Records the statements `work` causes (run it alone: nothing else may use the pool meanwhile). */
  async record<T>(work: () => Promise<T>): Promise<{ result: T; statements: RecordedStatement[] }> {
    const statements: RecordedStatement[] = [];
    this.recording = statements;
    try {
      const result = await work();
      return { result, statements };
    } finally {
      this.recording = null;
    }
  }

  uninstall(): void {
    (Client.prototype as unknown as { query: unknown }).query = this.original;
  }
}
