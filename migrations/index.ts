import { Foundation1764300000000 } from './1764300000000-foundation';

/** Every migration, in order. A generated migration is added here after it has been read. */
export const MIGRATIONS = [Foundation1764300000000];
