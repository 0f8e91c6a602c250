import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import nodemailer, { type Transporter } from 'nodemailer';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { type AlertMessageInput, DELIVERY_MESSAGES as M } from 'src/sla/delivery/delivery.messages';
import { failure, type SendResult } from 'src/sla/delivery/send-result';

/**
 * Bounds of one SMTP conversation. The send runs while the delivery row is locked, so it must end:
 * connecting, the greeting and every silence on the socket are capped, and so is the whole send.
 */
export const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 } as const;
export const SMTP_SEND_TIMEOUT_MS = 30_000;

/** A stable Message-ID per delivery: a retried send is recognisably the same message. */
export const deliveryMessageId = (deliveryId: string) => `<delivery-${deliveryId}@sla-tracker>`;

/** Alert e-mails through SMTP_URL (nodemailer); one connection per message, no pool to keep alive. */
@Injectable()
export class EmailSender implements OnModuleDestroy {
  private transport: Transporter | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async send(deliveryId: string, to: string, message: AlertMessageInput): Promise<SendResult> {
    if (!this.config.SMTP_URL) return failure('SMTP not configured', true);
    this.transport ??= nodemailer.createTransport({ url: this.config.SMTP_URL, ...SMTP_TIMEOUTS });
    let timer: NodeJS.Timeout | undefined;
    try {
      const sent = this.transport.sendMail({
        from: this.config.SMTP_FROM,
        to,
        subject: M.subject(message),
        text: M.body(message),
        messageId: deliveryMessageId(deliveryId),
        headers: { 'X-Delivery-Id': deliveryId },
      });
      // A server that trickles its answers would outlast the per-stage timeouts: cap the whole send.
      // Should it still accept the message later, the retry repeats it with the same Message-ID.
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
          SMTP_SEND_TIMEOUT_MS,
        );
      });
      await Promise.race([sent, deadline]);
      return { ok: true };
    } catch (err) {
      // nodemailer's messages can quote the recipient's address: keep the code and SMTP status only.
      const e = err as { code?: unknown; responseCode?: unknown };
      const code = typeof e.code === 'string' ? e.code : 'ERROR';
      const status = typeof e.responseCode === 'number' ? ` ${e.responseCode}` : '';
      return failure(`SMTP ${code}${status}`);
    } finally {
      clearTimeout(timer);
    }
  }

  onModuleDestroy(): void {
    this.transport?.close();
  }
}
