import { Counter } from 'prom-client';
import { registry } from 'src/common/metrics';

/** Tries of alert deliveries: sent, retry (a failed try that will be retried), failed (given up). */
export const deliveriesTotal = new Counter({
  name: 'alert_deliveries_total',
  help: 'Alert delivery tries by channel and result (sent, retry, failed)',
  labelNames: ['channel', 'result'] as const,
  registers: [registry],
});
