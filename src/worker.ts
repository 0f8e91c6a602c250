import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { Logger } from 'pino';
import { ConfigError, loadConfig } from 'src/config/app-config';
import { PinoNestLogger, ROOT_LOGGER } from 'src/common/logger';
import { WorkerModule } from 'src/worker.module';

async function main() {
  loadConfig();
  const app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: true });
  const logger = app.get<Logger>(ROOT_LOGGER);
  app.useLogger(new PinoNestLogger(logger));
  // SIGTERM/SIGINT: workers stop taking jobs and finish in-flight ones, then queues, then connections.
  app.enableShutdownHooks();
  logger.info('worker started');
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : ((err as Error)?.stack ?? String(err))}\n`);
  process.exit(1);
});
