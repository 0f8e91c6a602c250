import { Module } from '@nestjs/common';
import { MessagesOutbox } from 'src/messages/messages-outbox.service';
import { MessagesRepository } from 'src/messages/messages.repository';

/** What the dossiers module needs to write milestone messages in its transactions (no cycle back to it). */
@Module({ providers: [MessagesRepository, MessagesOutbox], exports: [MessagesRepository, MessagesOutbox] })
export class MessagesOutboxModule {}
