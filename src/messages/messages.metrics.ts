import { Counter } from 'prom-client';
import { registry } from 'src/common/metrics';

/** Citizen messages by unit (receiving unit code), channel and result: sent, retry, failed, fallback, skipped, delivered. */
export const citizenMessagesTotal = new Counter({
  name: 'citizen_messages_total',
  help: 'Messages to citizens by unit, channel and result (sent, retry, failed, fallback, skipped, delivered)',
  labelNames: ['unit', 'channel', 'result'] as const,
  registers: [registry],
});

/** What the sent messages cost, in VND, by unit and channel. */
export const citizenMessagesCostVnd = new Counter({
  name: 'citizen_messages_cost_vnd_total',
  help: 'Cost of messages sent to citizens, in VND, by unit and channel',
  labelNames: ['unit', 'channel'] as const,
  registers: [registry],
});
