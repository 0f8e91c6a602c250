import type { ProviderResult } from 'src/messages/providers/provider-result';

/** One SMS to send. `id` is our message id: the gateway's request id, so a repeat is recognised. */
export interface SmsToSend {
  id: string;
  /** 84xxxxxxxxx */
  phone: string;
  text: string;
  unicode: boolean;
  /** Where the gateway reports delivery (null: no callback). */
  callbackUrl: string | null;
}

/**
 * An SMS brandname gateway. eSMS.vn's JSON API is the one built in (EsmsGateway); a province using
 * another gateway provides its own implementation under SMS_GATEWAY (messages.module.ts).
 */
export interface SmsGateway {
  readonly name: string;
  readonly configured: boolean;
  send(sms: SmsToSend): Promise<ProviderResult>;
}

export const SMS_GATEWAY = Symbol('SMS_GATEWAY');
