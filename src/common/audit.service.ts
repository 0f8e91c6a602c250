import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export interface AuditEntry {
  actorUserId: string | null;
  action: string;
  entity?: string;
  entityId?: string;
  details?: Record<string, unknown>;
  requestId?: string;
  clientIp?: string;
}

/** Append-only audit trail of sign-ins and administrative changes (never personal data or secrets). */
@Injectable()
export class AuditService {
  constructor(private readonly dataSource: DataSource) {}

  async record(entry: AuditEntry, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(
      `INSERT INTO audit_log (actor_user_id, action, entity, entity_id, details, request_id, client_ip)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        entry.actorUserId,
        entry.action,
        entry.entity ?? null,
        entry.entityId ?? null,
        JSON.stringify(entry.details ?? {}),
        entry.requestId ?? null,
        entry.clientIp ?? null,
      ],
    );
  }
}
