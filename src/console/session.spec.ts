import type { FastifyRequest } from 'fastify';
import { cookies } from 'src/console/session';

const req = (cookie: string) => ({ headers: { cookie } }) as unknown as FastifyRequest;

describe('console cookies', () => {
  it('decodes the cookies of a request', () => {
    expect(cookies(req('sla_console=a%20b; sla_queue=x'))).toEqual({ sla_console: 'a b', sla_queue: 'x' });
  });

  it('ignores a cookie with a malformed escape instead of throwing (a 500 on every console page)', () => {
    expect(cookies(req('sla_queue=%E0; sla_console=tok'))).toEqual({ sla_console: 'tok' });
  });
});
