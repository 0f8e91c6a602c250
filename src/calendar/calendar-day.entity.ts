import { Column, Entity, PrimaryColumn } from 'typeorm';

export const DAY_KINDS = ['holiday', 'working'] as const;
export type DayKind = (typeof DAY_KINDS)[number];

/** A day that differs from the weekly pattern: a holiday on a weekday or a make-up working day. */
@Entity('calendar_days')
export class CalendarDayEntity {
  /** Local date YYYY-MM-DD (TypeORM hands `date` columns over as strings). */
  @PrimaryColumn({ type: 'date' }) date!: string;
  @Column({ type: 'text' }) kind!: DayKind;
  @Column({ type: 'text' }) name!: string;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @Column({ name: 'updated_by', type: 'uuid', nullable: true }) updatedBy!: string | null;
}
