import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { jsonBody, networkError, providerFailure, type ProviderResult } from 'src/messages/providers/provider-result';
import type { SmsGateway, SmsToSend } from 'src/messages/providers/sms-gateway';

/**
 * eSMS.vn's documented answers (CodeResult) that retrying cannot fix: credentials refused (101),
 * account locked (102), brandname not registered (104), wrong message type for the brandname
 * (118, 119). 100 is accepted; anything else (99 unknown error, 103 balance too low, a 5xx) is
 * tried again with backoff.
 */
const PERMANENT = new Set(['101', '102', '104', '118', '119']);

/**
 * SMS brandname through eSMS.vn's JSON API (SendMultipleMessage_V4_post_json): customer-care
 * messages (SmsType 2) with the registered Brandname, our message id as RequestId (eSMS drops a
 * repeated RequestId, so a send repeated after a crash is not delivered twice), and a CallbackUrl
 * for the delivery report.
 */
@Injectable()
export class EsmsGateway implements SmsGateway {
  readonly name = 'esms';
  readonly configured: boolean;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.configured = !!(config.SMS_GATEWAY_URL && config.SMS_API_KEY && config.SMS_SECRET_KEY && config.SMS_BRANDNAME);
  }

  async send(sms: SmsToSend): Promise<ProviderResult> {
    if (!this.configured) return providerFailure('permanent', 'SMS gateway not configured');
    const ms = this.config.MESSAGES_TIMEOUT_MS;
    const body: Record<string, string> = {
      ApiKey: this.config.SMS_API_KEY!,
      SecretKey: this.config.SMS_SECRET_KEY!,
      Brandname: this.config.SMS_BRANDNAME!,
      SmsType: '2',
      Phone: sms.phone,
      Content: sms.text,
      IsUnicode: sms.unicode ? '1' : '0',
      RequestId: sms.id,
    };
    if (sms.callbackUrl) body.CallbackUrl = sms.callbackUrl;
    let res: Response;
    try {
      res = await fetch(this.config.SMS_GATEWAY_URL!, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        redirect: 'manual',
        signal: AbortSignal.timeout(ms),
      });
    } catch (err) {
      return providerFailure('retry', networkError(err, ms));
    }
    const answer = await jsonBody(res);
    if (res.status < 200 || res.status >= 300) return providerFailure('retry', `eSMS HTTP ${res.status}`);
    const code = String(answer?.CodeResult ?? '');
    if (code === '100') return { ok: true, providerMessageId: typeof answer?.SMSID === 'string' ? answer.SMSID : null };
    return providerFailure(PERMANENT.has(code) ? 'permanent' : 'retry', `eSMS CodeResult ${code || 'missing'}`);
  }
}
