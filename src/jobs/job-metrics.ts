import { Injectable } from '@nestjs/common';
import { jobDuration, jobsProcessed } from 'src/common/metrics';

@Injectable()
export class JobMetrics {
  start(queue: string, job: string): (result: 'completed' | 'failed') => void {
    const stop = jobDuration.startTimer({ queue, job });
    return (result) => {
      stop();
      jobsProcessed.inc({ queue, job, result });
    };
  }
}
