// Load generator of the actions benchmark, in its own thread (own event loop) so that the API's
// work does not delay the clock of the requests it measures. N clients, each looping over its own
// dossiers: intake (counter clerk) -> forward (clerk) -> forward (officer) -> resolve (signer),
// one request at a time on a keep-alive socket. With `existing` ids (a diagnostic), the clients
// skip the intake and take the next received dossier of the list instead. Only requests that
// complete inside the measured window count; the warm-up before it is discarded.
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { HttpClient, HttpResponse } from './bench-kit';

export interface LoadInput {
  baseUrl: string;
  clients: number;
  warmupMs: number;
  durationMs: number;
  tokens: { clerk: string; officer: string; signer: string };
  intakeBody: Record<string, unknown>;
  /** Received dossiers (version 1) to act on instead of making new ones. */
  existing?: string[];
}

export const STEPS = ['intake', 'forward_counter', 'forward_officer', 'resolve'] as const;
export type Step = (typeof STEPS)[number];

export interface LoadOutput {
  windowMs: number;
  latencies: Record<Step, number[]>;
  /** Failed requests (unexpected status or socket error) completed inside the window / overall. */
  errors: number;
  errorsTotal: number;
  errorSamples: string[];
  cyclesCompleted: number;
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
    latencies: { intake: [], forward_counter: [], forward_officer: [], resolve: [] },
    errors: 0,
    errorsTotal: 0,
    errorSamples: [],
    cyclesCompleted: 0,
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

  const client = async () => {
    const { clerk, officer, signer } = input.tokens;
    while (performance.now() < windowEnd) {
      let id: string;
      if (input.existing) {
        if (nextExisting >= input.existing.length) {
          out.exhausted = true;
          break;
        }
        id = input.existing[nextExisting++];
      } else {
        const d = await send('intake', 201, () =>
          http.request('POST', '/dossiers', { token: clerk, body: input.intakeBody }),
        );
        if (!d || performance.now() >= windowEnd) continue;
        id = d.body.id as string;
      }
      const f1 = await send('forward_counter', 200, () =>
        http.request('POST', `/dossiers/${id}/actions/forward`, { token: clerk, body: { expectedVersion: 1 } }),
      );
      if (!f1 || performance.now() >= windowEnd) continue;
      const f2 = await send('forward_officer', 200, () =>
        http.request('POST', `/dossiers/${id}/actions/forward`, { token: officer, body: { expectedVersion: 2 } }),
      );
      if (!f2 || performance.now() >= windowEnd) continue;
      const r = await send('resolve', 200, () =>
        http.request('POST', `/dossiers/${id}/actions/resolve`, {
          token: signer,
          body: { expectedVersion: 3, resultSummary: 'Cấp giấy phép xây dựng', electronicResult: true },
        }),
      );
      if (r && performance.now() <= windowEnd) out.cyclesCompleted++;
    }
  };
  await Promise.all(Array.from({ length: input.clients }, client));
  http.close();
  parentPort!.postMessage({ type: 'result', result: out } satisfies LoadMessage);
}

if (parentPort) {
  main(workerData as LoadInput).catch((err: unknown) => {
    throw err;
  });
}
