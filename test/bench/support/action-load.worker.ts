// Load generator of the write-path benchmark, in its own thread (own event loop) so that the API's
// work does not delay the clock of the requests it measures. N closed-loop clients on keep-alive
// sockets, one request at a time each:
// - `intake`: POST /dossiers, client i with the token and body of intakes[i % intakes.length];
// - `actions`: forward (counter clerk) -> forward (officer) -> resolve (signer) of the next received
//   dossier of `existing`;
// - `get`: GET `path` with `token`.
// Only requests that complete inside the measured window count; the warm-up before it is discarded.
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { HttpClient, HttpResponse } from './bench-kit';

export type LoadKind =
  | { kind: 'intake'; intakes: { token: string; body: Record<string, unknown> }[] }
  | { kind: 'actions'; existing: string[]; tokens: { clerk: string; officer: string; signer: string } }
  | { kind: 'get'; path: string; token: string };

export type LoadInput = LoadKind & {
  baseUrl: string;
  clients: number;
  warmupMs: number;
  durationMs: number;
};

export const STEPS = ['intake', 'forward_counter', 'forward_officer', 'resolve', 'get'] as const;
export type Step = (typeof STEPS)[number];

export interface LoadOutput {
  windowMs: number;
  latencies: Record<Step, number[]>;
  /** Failed requests (unexpected status or socket error) completed inside the window / overall. */
  errors: number;
  errorsTotal: number;
  errorSamples: string[];
  /** Codes of the intakes answered 201 (all of them, warm-up included). */
  codes: string[];
  /** The `existing` list ran out before the window ended. */
  exhausted: boolean;
}

export type LoadMessage = { type: 'window-start' } | { type: 'window-end' } | { type: 'result'; result: LoadOutput };

async function main(input: LoadInput): Promise<void> {
  const http = new HttpClient(input.baseUrl, input.clients);
  const began = performance.now();
  const windowStart = began + input.warmupMs;
  const windowEnd = windowStart + input.durationMs;
  const out: LoadOutput = {
    windowMs: input.durationMs,
    latencies: { intake: [], forward_counter: [], forward_officer: [], resolve: [], get: [] },
    errors: 0,
    errorsTotal: 0,
    errorSamples: [],
    codes: [],
    exhausted: false,
  };
  let nextExisting = 0;
  setTimeout(() => parentPort!.postMessage({ type: 'window-start' } satisfies LoadMessage), input.warmupMs);
  setTimeout(
    () => parentPort!.postMessage({ type: 'window-end' } satisfies LoadMessage),
    input.warmupMs + input.durationMs,
  );

  const send = async (step: Step, expect: number, call: () => Promise<HttpResponse>): Promise<HttpResponse | null> => {
    let res: HttpResponse | null = null;
    let problem: string | null = null;
    try {
      res = await call();
      if (res.status !== expect) problem = `${step}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
    } catch (err) {
      problem = `${step}: ${(err as Error).message}`;
    }
    const end = performance.now();
    const inWindow = end >= windowStart && end <= windowEnd;
    if (problem) {
      out.errorsTotal++;
      if (inWindow) out.errors++;
      if (out.errorSamples.length < 5) out.errorSamples.push(problem);
      return null;
    }
    if (inWindow) out.latencies[step].push(res!.ms);
    return res;
  };

  const client = async (i: number) => {
    if (input.kind === 'intake') {
      const { token, body } = input.intakes[i % input.intakes.length];
      const json = Buffer.from(JSON.stringify(body));
      while (performance.now() < windowEnd) {
        const d = await send('intake', 201, () => http.request('POST', '/dossiers', { token, json }));
        if (d) out.codes.push(d.body.code as string);
      }
      return;
    }
    if (input.kind === 'get') {
      while (performance.now() < windowEnd)
        await send('get', 200, () => http.request('GET', input.path, { token: input.token }));
      return;
    }
    const { clerk, officer, signer } = input.tokens;
    while (performance.now() < windowEnd) {
      if (nextExisting >= input.existing.length) {
        out.exhausted = true;
        break;
      }
      const id = input.existing[nextExisting++];
      const f1 = await send('forward_counter', 200, () =>
        http.request('POST', `/dossiers/${id}/actions/forward`, { token: clerk, body: { expectedVersion: 1 } }),
      );
      if (!f1 || performance.now() >= windowEnd) continue;
      const f2 = await send('forward_officer', 200, () =>
        http.request('POST', `/dossiers/${id}/actions/forward`, { token: officer, body: { expectedVersion: 2 } }),
      );
      if (!f2 || performance.now() >= windowEnd) continue;
      await send('resolve', 200, () =>
        http.request('POST', `/dossiers/${id}/actions/resolve`, {
          token: signer,
          body: { expectedVersion: 3, resultSummary: 'Cấp giấy phép xây dựng', electronicResult: true },
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: input.clients }, (_, i) => client(i)));
  http.close();
  parentPort!.postMessage({ type: 'result', result: out } satisfies LoadMessage);
}

if (parentPort) {
  main(workerData as LoadInput).catch((err: unknown) => {
    throw err;
  });
}
