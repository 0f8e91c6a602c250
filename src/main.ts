import 'reflect-metadata';
import type { Logger } from 'pino';
import { ConfigError, loadConfig } from 'src/config/app-config';
import { ROOT_LOGGER } from 'src/common/logger';
import { createHttpApp } from 'src/http-app';

async function main() {
  const config = loadConfig();
  const app = await createHttpApp(config);
  await app.listen({ port: config.PORT, host: config.HOST });
  app.get<Logger>(ROOT_LOGGER).info({ port: config.PORT, host: config.HOST }, 'api listening');
}

main().catch((err: unknown) => {
  // Before the logger exists: a configuration error names each bad variable on stderr.
  process.stderr.write(`${err instanceof ConfigError ? err.message : ((err as Error)?.stack ?? String(err))}\n`);
  process.exit(1);
});
