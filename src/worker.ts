import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { createServer } from 'node:http';
import { registry } from 'src/common/metrics';
import type { Logger } from 'pino';
import { ConfigError, loadConfig } from 'src/config/app-config';
import { PinoNestLogger, ROOT_LOGGER } from 'src/common/logger';
import { WorkerModule } from 'src/worker.module';

async function main() {
  const config = loadConfig();
  const app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: true });
  const logger = app.get<Logger>(ROOT_LOGGER);
  app.useLogger(new PinoNestLogger(logger));
  // SIGTERM/SIGINT: workers stop taking jobs and finish in-flight ones, then queues, then connections.
  app.enableShutdownHooks();
  if (config.WORKER_METRICS_PORT > 0) {
    // The worker's own figures (jobs, deliveries, scan durations) live in this process's registry.
    const server = createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/metrics') {
        registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
          () => res.writeHead(500).end(),
        );
      } else res.writeHead(404).end();
    });
    server.listen(config.WORKER_METRICS_PORT, config.HOST);
    process.once('SIGTERM', () => server.close());
    logger.info({ port: config.WORKER_METRICS_PORT }, 'worker metrics listening');
  }
  logger.info('worker started');
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : ((err as Error)?.stack ?? String(err))}\n`);
  process.exit(1);
});
