import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from '../../src/http-app';
import { ADMIN, applyEnv, createTestDatabase, testEnv } from './test-env';

export interface Api {
  app: NestFastifyApplication;
  env: Record<string, string>;
  request(
    method: string,
    url: string,
    opts?: { token?: string; body?: unknown; headers?: Record<string, string>; remoteAddress?: string },
  ): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  login(username?: string, password?: string): Promise<string>;
  close(): Promise<void>;
}

/** The real HTTP app on a fresh database, driven through Fastify's injection (the whole HTTP stack, no socket). */
export async function startApi(overrides: Record<string, string> = {}): Promise<Api> {
  const db = await createTestDatabase();
  const env = testEnv(db.url, overrides);
  applyEnv(env);
  const app = await createHttpApp();
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const api: Api = {
    app,
    env,
    async request(method, url, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      let payload: string | undefined;
      if (opts.body !== undefined) {
        payload = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await app.inject({
        method: method as 'GET',
        url: url.startsWith('/api') || url.startsWith('/docs') ? url : `/api/v1${url}`,
        headers,
        payload,
        ...(opts.remoteAddress ? { remoteAddress: opts.remoteAddress } : {}),
      });
      let body: unknown = res.body;
      if ((res.headers['content-type'] ?? '').toString().includes('json') && res.body) body = JSON.parse(res.body);
      return { status: res.statusCode, body, headers: res.headers };
    },
    async login(username = ADMIN.username, password = ADMIN.password) {
      const res = await api.request('POST', '/auth/login', { body: { username, password } });
      if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.accessToken as string;
    },
    async close() {
      await app.close();
      await db.drop();
    },
  };
  return api;
}
