/**
 * What the scan needs from delivery: after the transaction that wrote alert_deliveries rows has
 * committed, enqueue their jobs. It never throws (a sweep re-enqueues what did not get in).
 */
export interface DeliveryEnqueuer {
  enqueue(deliveryIds: string[]): Promise<void>;
}

export const DELIVERY_ENQUEUER = Symbol('DELIVERY_ENQUEUER');
