import { RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { AppModule } from 'src/app.module';
import { UsersService } from 'src/auth/users.service';
import { BODY_LIMIT_BYTES, registerHttpSecurity } from 'src/common/http-security';
import { clientErrorHandler, frameworkErrorHandler, registerTransportErrors } from 'src/common/transport-errors';
import { PinoNestLogger, ROOT_LOGGER } from 'src/common/logger';
import { httpDuration, httpRequests } from 'src/common/metrics';
import { createValidationPipe } from 'src/common/validation';
import { type AppConfig, loadConfig } from 'src/config/app-config';
import { ConsoleErrorPages } from 'src/console/error-pages';
import { ReadContextInterceptor, ReadReplicas } from 'src/database/read-replicas';

export const API_PREFIX = 'api/v1';
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Builds the HTTP application (used by main.ts and by the end-to-end tests) from the configuration
 * the caller validated (by default, process.env's).
 */
export async function createHttpApp(config: AppConfig = loadConfig()): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    logger: false,
    // Only the configured proxies' X-Forwarded-For / -Proto are believed (req.ip, req.protocol).
    trustProxy: config.TRUST_PROXY.length > 0 ? [...config.TRUST_PROXY] : false,
    // Path parameters up to 500 characters (e.g. a pasted code) reach our handlers (404/400);
    // longer ones get a 414 in our error shape (frameworkErrors below). A router option goes under
    // routerOptions: at the top level Fastify 5 warns FSTDEP022 on every start.
    routerOptions: { maxParamLength: 500 },
    // Errors raised before Nest sees the request answer in the API's error shape too: Fastify's
    // (bad percent-encoding, path parameter too long) and Node's parser (431, malformed request
    // line, timeout); Node's missing-Host 400 and Fastify's closing 503 are answered by our hooks.
    frameworkErrors: frameworkErrorHandler(new ConsoleErrorPages()),
    clientErrorHandler,
    return503OnClosing: false,
    http: { requireHostHeader: false },
  });
  // rawBody: providers' delivery reports are signed over the exact bytes (Zalo's X-ZEvent-Signature).
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, adapter, { bufferLogs: true, rawBody: true });
  const logger = app.get<Logger>(ROOT_LOGGER);
  app.useLogger(new PinoNestLogger(logger));
  // The API lives under /api/v1; the staff console and the citizens' page are HTML pages beside it.
  app.setGlobalPrefix(API_PREFIX, {
    exclude: [
      { path: 'console', method: RequestMethod.ALL },
      { path: 'console/{*rest}', method: RequestMethod.ALL },
      { path: 'tra-cuu', method: RequestMethod.ALL },
      { path: 'tra-cuu/{*rest}', method: RequestMethod.ALL },
      // Transparency pages (no sign-in).
      { path: 'bang-tin', method: RequestMethod.ALL },
      { path: 'thong-ke', method: RequestMethod.ALL },
    ],
  });
  // HTML forms of the console post application/x-www-form-urlencoded bodies: Nest's Fastify
  // adapter registers @fastify/formbody (a dependency of ours for that reason) when it is installed.
  app.useGlobalPipes(createValidationPipe());
  // Read-your-writes across replicas; with no replica there is nothing to route, and no interceptor
  // at all spares every request Nest's interceptor pipeline.
  if (app.get(ReadReplicas).enabled) app.useGlobalInterceptors(app.get(ReadContextInterceptor));
  app.enableShutdownHooks();
  if (config.CORS_ORIGINS.length > 0) app.enableCors({ origin: config.CORS_ORIGINS, credentials: false });

  const fastify = app.getHttpAdapter().getInstance();
  // Strict content types: JSON only (Fastify would otherwise accept text/plain bodies as strings).
  fastify.removeContentTypeParser('text/plain');
  // Body limits, JSON depth, application/json only under the API prefix, security headers.
  registerHttpSecurity(app, API_PREFIX);
  registerTransportErrors(fastify);
  fastify.addHook('onSend', async (req, reply, payload) => {
    void reply.header('x-request-id', req.id);
    return payload;
  });
  fastify.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions?.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    httpDuration.observe({ method: req.method, route }, seconds);
    // Route pattern, not the URL: paths and query strings may carry codes or names.
    logger.info(
      { reqId: req.id, method: req.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });

  if (config.SWAGGER_ENABLED) {
    const doc = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('SLA tracker for administrative procedures')
        .setDescription(
          'Hồ sơ thủ tục hành chính: deadlines in working time, alerts, form 06a, the Decision 766 index.',
        )
        .setVersion('1')
        .addBearerAuth()
        .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }, 'api-key')
        .build(),
    );
    SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'docs-json' });
    // The contract puts every path under /api/v1: the document is also there (the JSON only).
    SwaggerModule.setup('api/v1/docs', app, doc, {
      jsonDocumentUrl: 'api/v1/docs-json',
      ui: false,
      yamlDocumentUrl: 'api/v1/docs-yaml',
    });
  }

  const users = app.get(UsersService);
  const admin = await users.ensureBootstrapAdmin(config.ADMIN_USERNAME.toLowerCase(), config.ADMIN_PASSWORD);
  if (admin === 'skipped') logger.warn('no admin user and ADMIN_PASSWORD is not set: set it to create the first admin');
  if (admin === 'created') logger.info({ username: config.ADMIN_USERNAME }, 'first admin created');
  return app;
}
