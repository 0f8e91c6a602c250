import { Inject, Injectable } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { failure, type SendResult } from 'src/sla/delivery/send-result';

/** What a webhook receives: the alert, without personal data (no applicant, no names). */
export interface WebhookPayload {
  /** The alert id. */
  id: string;
  kind: string;
  dossierId: string;
  dossierCode: string;
  unitCode: string;
  recipientUserId: string | null;
  deadlineAt: string;
  createdAt: string;
  /** directive_comment: the comment and who wrote it. */
  comment?: { text: string; authorUserId: string | null };
}

/** `sha256=<hex HMAC-SHA256 of the exact body bytes with the webhook's secret>`. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** Signed webhook POSTs through Node's fetch (undici), each bounded by WEBHOOK_TIMEOUT_MS. */
@Injectable()
export class WebhookSender {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async send(deliveryId: string, hook: { url: string; secret: string }, payload: WebhookPayload): Promise<SendResult> {
    const body = JSON.stringify(payload);
    const ms = this.config.WEBHOOK_TIMEOUT_MS;
    try {
      const res = await fetch(hook.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'sla-tracker-webhook/1',
          'X-Signature': signature(hook.secret, body),
          'X-Delivery-Id': deliveryId,
        },
        body,
        // A redirect would re-send the signed body somewhere not registered: a failure instead.
        redirect: 'manual',
        signal: AbortSignal.timeout(ms),
      });
      // The response body is not read (the signal would still bound it); release the connection.
      await res.body?.cancel().catch(() => undefined);
      return res.status >= 200 && res.status < 300 ? { ok: true } : failure(`HTTP ${res.status}`);
    } catch (err) {
      const e = err as { name?: string; cause?: { code?: unknown } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') return failure(`timeout after ${ms} ms`);
      // Never the message: it may quote the URL, which can carry a token.
      const code = typeof e.cause?.code === 'string' ? e.cause.code : (e.name ?? 'Error');
      return failure(`network error: ${code}`);
    }
  }
}
