import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { Clock } from '../../src/common/clock';
import type { Api } from '../support/http';
import { intakeBody, type Province } from '../support/province';

/** Fixes the app's clock at a local (+07:00) instant. */
export function clockOf(api: Api): (local: string) => void {
  const clock = api.app.get(Clock);
  return (local: string) => {
    const at = new Date(`${local}+07:00`);
    clock.now = () => at;
  };
}

let addressCounter = 0;
/** A client address of its own, so that tests not about rate limiting never meet the limit. */
export function freshAddress(): string {
  addressCounter++;
  return `10.${(addressCounter >> 16) & 255}.${(addressCounter >> 8) & 255}.${addressCounter & 255}`;
}

/** The citizen's side of the API: no token, a fresh client address per request unless given. */
export function citizen(api: Api) {
  return (method: string, url: string, body?: unknown, remoteAddress = freshAddress()) =>
    api.request(method, `/public/dossiers/${url}`, { body, remoteAddress });
}

export interface Intaken {
  id: string;
  code: string;
  lookupKey: string;
  version: number;
}

export async function intake(api: Api, p: Province, over: Record<string, unknown> = {}): Promise<Intaken> {
  const res = await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody(over) });
  if (res.status !== 201) throw new Error(`intake: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function act(
  api: Api,
  id: string,
  action: string,
  token: string,
  body: Record<string, unknown>,
): Promise<{ version: number; status: string }> {
  const res = await api.request('POST', `/dossiers/${id}/actions/${action}`, { token, body });
  if (res.status !== 200) throw new Error(`${action}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The unit head of the handling unit resolves at the counter step: an ended dossier in one move. */
export async function resolveNow(api: Api, p: Province, d: { id: string; version?: number }): Promise<void> {
  await act(api, d.id, 'resolve', p.tokens.head, {
    expectedVersion: d.version ?? 1,
    resultSummary: 'Đã cấp giấy phép',
    electronicResult: true,
  });
}

/** The error body without the per-request id, for comparing two answers. */
export function withoutRequestId(body: Record<string, unknown>): Record<string, unknown> {
  const { requestId: _requestId, ...rest } = body;
  return rest;
}

/** The text of a PDF as poppler lays it out, with runs of spaces folded. */
export function pdfText(bytes: Buffer, dir: string, name: string): string {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' })
    .normalize('NFC')
    .replace(/[ \t]+/g, ' ');
}

/** Renders the first page at 150 dpi and decodes the QR code on it (null when none is found). */
export function decodeQrOnFirstPage(bytes: Buffer, dir: string, name: string): string | null {
  const file = join(dir, `${name}.pdf`);
  writeFileSync(file, bytes);
  const prefix = join(dir, name);
  execFileSync('pdftoppm', ['-png', '-r', '150', '-f', '1', '-l', '1', '-singlefile', file, prefix]);
  const png = PNG.sync.read(readFileSync(`${prefix}.png`));
  const found = jsQR(
    new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length),
    png.width,
    png.height,
  );
  return found ? found.data : null;
}
