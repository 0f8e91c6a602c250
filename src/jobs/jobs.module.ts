import { Global, Module } from '@nestjs/common';
import { QueueService } from 'src/jobs/queue.service';

/** Producer side, in both processes: the API enqueues, the worker's ticks enqueue. */
@Global()
@Module({ providers: [QueueService], exports: [QueueService] })
export class JobsModule {}
