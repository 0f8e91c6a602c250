import { Column, Entity, PrimaryColumn } from 'typeorm';

export const CALENDAR_CHANGE_KINDS = [
  'seed',
  'day_set',
  'day_deleted',
  'working_hours_set',
  'official_applied',
  'year_generated',
  'year_confirmed',
] as const;
export type CalendarChangeKind = (typeof CALENDAR_CHANGE_KINDS)[number];

/** Append-only log of calendar edits, one row per calendar version. */
@Entity('calendar_changes')
export class CalendarChangeEntity {
  @PrimaryColumn({ type: 'integer' }) version!: number;
  @Column({ type: 'timestamptz' }) at!: Date;
  @Column({ name: 'actor_user_id', type: 'uuid', nullable: true }) actorUserId!: string | null;
  @Column({ type: 'text' }) kind!: CalendarChangeKind;
  @Column({ type: 'date', nullable: true }) date!: string | null;
  @Column({ type: 'jsonb', nullable: true }) before!: unknown;
  @Column({ type: 'jsonb', nullable: true }) after!: unknown;
}
