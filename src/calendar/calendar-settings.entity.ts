import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The one row holding the calendar's version and its working hours. */
@Entity('calendar_settings')
export class CalendarSettingsEntity {
  @PrimaryColumn({ type: 'smallint' }) id!: number;
  /** Bumped in the same transaction as every edit; instances rebuild their cached calendar when it moves. */
  @Column({ type: 'integer' }) version!: number;
  @Column({ name: 'utc_offset_minutes', type: 'integer' }) utcOffsetMinutes!: number;
  /** ISO weekdays, 1 = Monday .. 7 = Sunday. */
  @Column({ type: 'smallint', array: true }) weekdays!: number[];
  /** Sorted, non-overlapping local ["HH:MM", "HH:MM"] pairs. */
  @Column({ type: 'jsonb' }) periods!: [string, string][];
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @Column({ name: 'updated_by', type: 'uuid', nullable: true }) updatedBy!: string | null;
}
