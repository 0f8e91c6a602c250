import Fastify from 'fastify';
import * as net from 'node:net';
import { clientErrorCode, frameworkErrorCode, registerTransportErrors } from 'src/common/transport-errors';

describe('transport errors', () => {
  it('classifies the parser and router errors like Node and Fastify do, in our codes', () => {
    expect(clientErrorCode({ code: 'HPE_HEADER_OVERFLOW' })).toBe('HEADERS_TOO_LARGE');
    expect(clientErrorCode({ code: 'ERR_HTTP_REQUEST_TIMEOUT' })).toBe('REQUEST_TIMEOUT');
    expect(clientErrorCode({ code: 'HPE_INVALID_METHOD' })).toBe('BAD_REQUEST');
    expect(frameworkErrorCode({ code: 'FST_ERR_BAD_URL', statusCode: 400 })).toBe('BAD_REQUEST');
    expect(frameworkErrorCode({ code: 'FST_ERR_MAX_PARAM_LENGTH', statusCode: 414 })).toBe('URI_TOO_LONG');
    expect(frameworkErrorCode({ code: 'FST_ERR_ASYNC_CONSTRAINT', statusCode: 500 })).toBe('INTERNAL_ERROR');
  });

  it('answers a request arriving while the server closes with 503 in the error shape', async () => {
    const fastify = Fastify({ return503OnClosing: false });
    registerTransportErrors(fastify);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const first = new Promise<void>((resolve) => (arrived = resolve));
    fastify.get('/slow', async () => {
      arrived();
      await held;
      return { ok: true };
    });
    await fastify.listen({ port: 0, host: '127.0.0.1' });
    const port = (fastify.server.address() as net.AddressInfo).port;

    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (c) => (received += c.toString('utf8')));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write('GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await first;
    const closing = fastify.close();
    // The first request is still in flight, so its connection stays; the next one on it arrives
    // while the server is closing.
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await new Promise<void>((resolve) => {
      const poll = () => (received.includes('{"ok":true}') ? resolve() : setTimeout(poll, 5));
      poll();
    });
    socket.write('GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await closed;
    await closing;
    const second = received.slice(received.indexOf('{"ok":true}') + '{"ok":true}'.length);
    expect(second).toMatch(/^HTTP\/1\.1 503 /);
    expect(JSON.parse(second.slice(second.indexOf('\r\n\r\n') + 4))).toEqual({
      statusCode: 503,
      code: 'SERVICE_UNAVAILABLE',
      message: expect.any(String),
      requestId: expect.any(String),
    });
  });
});
