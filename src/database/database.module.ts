import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { dataSourceOptions } from 'src/database/data-source-options';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) => ({ ...dataSourceOptions(c.DATABASE_URL, c.DATABASE_POOL_SIZE), retryAttempts: 3 }),
    }),
  ],
})
export class DatabaseModule {}
