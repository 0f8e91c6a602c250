import { Module } from '@nestjs/common';
import { HealthController, HealthService, MetricsController } from 'src/health/health.controller';

@Module({ controllers: [HealthController, MetricsController], providers: [HealthService] })
export class HealthModule {}
