import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from '../../src/http-app';
import type { Api } from '../support/http';
import { applyEnv } from '../support/test-env';

/** A second, independent API instance on the same database as `api` (its own pool, its own caches). */
export async function startSecondInstance(api: Api): Promise<NestFastifyApplication> {
  applyEnv(api.env);
  const app = await createHttpApp();
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

/** A request to an app through Fastify's injection, JSON in and out. */
export async function call(
  app: NestFastifyApplication,
  method: string,
  url: string,
  opts: { token?: string; body?: unknown } = {},
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await app.inject({
    method: method as 'GET',
    url: `/api/v1${url}`,
    headers,
    payload: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
}

/** Creates a unit and a user of `role` in it through the API; returns the user's token. */
export async function userWithRole(
  api: Api,
  admin: string,
  username: string,
  role: string,
  unitCode: string,
): Promise<{ id: string; token: string }> {
  const existing = await api.request('GET', `/units?limit=500`, { token: admin });
  if (!existing.body.items.some((u: { code: string }) => u.code === unitCode)) {
    const unit = await api.request('POST', '/units', {
      token: admin,
      body: { code: unitCode, name: `Đơn vị ${unitCode}` },
    });
    if (unit.status !== 201) throw new Error(`unit ${unitCode}: ${unit.status} ${JSON.stringify(unit.body)}`);
  }
  const password = `${username}-password`;
  const user = await api.request('POST', '/users', {
    token: admin,
    body: { username, password, fullName: 'Nguyễn Thị Thử', role, unitCode },
  });
  if (user.status !== 201) throw new Error(`user ${username}: ${user.status} ${JSON.stringify(user.body)}`);
  return { id: user.body.id, token: await api.login(username, password) };
}
