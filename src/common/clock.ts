import { Injectable } from '@nestjs/common';

/** The one source of "now" for the app; rules receive `now` as an argument and never read time. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
