import { Global, Module } from '@nestjs/common';
import { DELIVERY_ENQUEUER } from 'src/sla/delivery-port';
import { DeliverHandler } from 'src/sla/delivery/deliver.handler';
import { DeliveriesSweepHandler } from 'src/sla/delivery/deliveries-sweep.handler';
import { DeliveryRepository } from 'src/sla/delivery/delivery.repository';
import { DeliveryService } from 'src/sla/delivery/delivery.service';
import { EmailSender } from 'src/sla/delivery/email.sender';
import { WebhookSender } from 'src/sla/delivery/webhook.sender';

/**
 * Alert delivery (e-mail, webhooks) from the alert_deliveries outbox. Global: the SLA scan enqueues
 * through DeliveryService (as its DELIVERY_ENQUEUER) in the API and the worker; the worker runs the
 * handlers.
 */
@Global()
@Module({
  providers: [
    DeliveryRepository,
    DeliveryService,
    { provide: DELIVERY_ENQUEUER, useExisting: DeliveryService },
    EmailSender,
    WebhookSender,
    DeliverHandler,
    DeliveriesSweepHandler,
  ],
  exports: [DeliveryService, DELIVERY_ENQUEUER, DeliverHandler, DeliveriesSweepHandler],
})
export class DeliveryModule {}
