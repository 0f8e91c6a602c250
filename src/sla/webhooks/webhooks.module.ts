import { Module } from '@nestjs/common';
import { WebhooksController } from 'src/sla/webhooks/webhooks.controller';
import { WebhooksRepository } from 'src/sla/webhooks/webhooks.repository';
import { WebhooksService } from 'src/sla/webhooks/webhooks.service';

/** The webhook endpoints (API process); sending is DeliveryModule's. */
@Module({
  controllers: [WebhooksController],
  providers: [WebhooksRepository, WebhooksService],
})
export class WebhooksModule {}
