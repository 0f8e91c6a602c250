import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { dataSourceOptions } from 'src/database/data-source-options';
import { ReadContextInterceptor, ReadReplicas } from 'src/database/read-replicas';

/**
 * The primary DataSource and the read replicas. `role`: the API bounds a request's wait for a
 * connection (DATABASE_POOL_TIMEOUT_MS, then 503); the worker waits, its queues run more jobs at once
 * than it has connections.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(role: 'api' | 'worker'): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (c: AppConfig) => ({
            ...dataSourceOptions(c.DATABASE_URL, c.DATABASE_POOL_SIZE, role === 'api' ? c.DATABASE_POOL_TIMEOUT_MS : 0),
            retryAttempts: 3,
          }),
        }),
      ],
      // Read replicas (DATABASE_READ_URL) and the request context that keeps a user's reads after
      // their own writes: createHttpApp installs the interceptor when replicas are configured
      // (without any, a global interceptor still cost each request Nest's rxjs pipeline, a few
      // percent of a read).
      providers: [ReadReplicas, ReadContextInterceptor],
      exports: [ReadReplicas, ReadContextInterceptor],
    };
  }
}
