import { ParseUUIDPipe } from '@nestjs/common';
import { DomainError } from 'src/common/domain-error';
import { NOT_FOUND_MESSAGE } from 'src/common/error.filter';

/** Path ids that are not UUIDs are answered like unknown ids: 404, revealing nothing. */
export const uuidPipe = new ParseUUIDPipe({
  exceptionFactory: () => new DomainError('NOT_FOUND', NOT_FOUND_MESSAGE),
});
