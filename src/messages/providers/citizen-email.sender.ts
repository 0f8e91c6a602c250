import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import nodemailer, { type Transporter } from 'nodemailer';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { providerFailure, type ProviderResult } from 'src/messages/providers/provider-result';
import { SMTP_SEND_TIMEOUT_MS, SMTP_TIMEOUTS } from 'src/sla/delivery/email.sender';

/** Citizens' e-mails through the same SMTP_URL as alerts; a stable Message-ID per message row. */
@Injectable()
export class CitizenEmailSender implements OnModuleDestroy {
  private transport: Transporter | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get configured(): boolean {
    return !!this.config.SMTP_URL;
  }

  async send(id: string, to: string, mail: { subject: string; body: string }): Promise<ProviderResult> {
    if (!this.config.SMTP_URL) return providerFailure('permanent', 'SMTP not configured');
    this.transport ??= nodemailer.createTransport({ url: this.config.SMTP_URL, ...SMTP_TIMEOUTS });
    let timer: NodeJS.Timeout | undefined;
    const messageId = `<message-${id}@sla-tracker>`;
    try {
      const sent = this.transport.sendMail({
        from: this.config.SMTP_FROM,
        to,
        subject: mail.subject,
        text: mail.body,
        messageId,
        headers: { 'X-Message-Id': id },
      });
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
          SMTP_SEND_TIMEOUT_MS,
        );
      });
      await Promise.race([sent, deadline]);
      return { ok: true, providerMessageId: messageId };
    } catch (err) {
      const e = err as { code?: unknown; responseCode?: unknown };
      const code = typeof e.code === 'string' ? e.code : 'ERROR';
      const status = typeof e.responseCode === 'number' ? e.responseCode : null;
      // A 5xx answer refuses the recipient for good; anything else may pass later.
      return providerFailure(
        status !== null && status >= 500 ? 'permanent' : 'retry',
        `SMTP ${code}${status ? ` ${status}` : ''}`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  onModuleDestroy(): void {
    this.transport?.close();
  }
}
