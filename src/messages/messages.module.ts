import { Module } from '@nestjs/common';
import { DossiersModule } from 'src/dossiers/dossiers.module';
import {
  DossierMessagesController,
  MessageCallbacksController,
  MessagesReportController,
  PublicNotificationsController,
} from 'src/messages/messages.controller';
import { MessagesOutboxModule } from 'src/messages/messages-outbox.module';
import { MessagesService } from 'src/messages/messages.service';
import { MessagesSweepHandler } from 'src/messages/messages-sweep.handler';
import { CitizenEmailSender } from 'src/messages/providers/citizen-email.sender';
import { EsmsGateway } from 'src/messages/providers/esms.gateway';
import { SMS_GATEWAY } from 'src/messages/providers/sms-gateway';
import { ZaloZnsClient } from 'src/messages/providers/zalo-zns.client';
import { SendMessageHandler } from 'src/messages/send-message.handler';
import { PublicModule } from 'src/public/public.module';

/**
 * Messages to citizens (SMS, Zalo ZNS, e-mail) at the milestones of their dossier. The SMS gateway
 * is eSMS.vn's JSON API; another gateway plugs in by providing SMS_GATEWAY (see SmsGateway).
 */
@Module({
  imports: [DossiersModule, PublicModule, MessagesOutboxModule],
  controllers: [
    DossierMessagesController,
    PublicNotificationsController,
    MessagesReportController,
    MessageCallbacksController,
  ],
  providers: [
    MessagesService,
    ZaloZnsClient,
    CitizenEmailSender,
    { provide: SMS_GATEWAY, useClass: EsmsGateway },
    SendMessageHandler,
    MessagesSweepHandler,
  ],
  exports: [SendMessageHandler, MessagesSweepHandler],
})
export class MessagesModule {}
