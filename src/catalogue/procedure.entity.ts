import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A procedure's identity. Its rules are in procedure_versions, never updated in place. */
@Entity('procedures')
export class ProcedureEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  /** National code, e.g. 1.004227; unique whatever the case. */
  @Column({ type: 'text' }) code!: string;
  @Column({ name: 'current_version', type: 'integer' }) currentVersion!: number;
  @Column({ type: 'boolean', default: true }) active!: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
