import { Inject, Injectable } from '@nestjs/common';
import type { AuthUser } from 'src/auth/auth-user';
import { UsersRepository } from 'src/auth/users.repository';
import { CalendarService } from 'src/calendar/calendar.service';
import { UnitsRepository } from 'src/catalogue/units.repository';
import { DomainError } from 'src/common/domain-error';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import type { PdfFile } from 'src/dossiers/documents/documents.service';
import { DOCUMENT_FILE_PREFIX, DOCUMENT_MESSAGES } from 'src/dossiers/documents/documents.messages';
import { pdfFileName } from 'src/dossiers/documents/document-format';
import { ReceiptModel, renderReceipt } from 'src/dossiers/documents/receipt.document';
import { DossiersRepository } from 'src/dossiers/dossiers.repository';
import { DossiersService } from 'src/dossiers/dossiers.service';
import { ProcedureRulesService } from 'src/dossiers/procedure-rules.service';
import { lookupKeyMatches } from 'src/public/lookup-key';
import { publicLookupUrl } from 'src/public/public-lookup-url';

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v : null);

/**
 * The intake receipt (form 01). The lookup key is stored hashed and shown once, in the intake
 * response, so the counter console prints the receipt right after intake passing the key it just
 * received; the key is checked against the hash before it is printed. Without a key the receipt
 * can still be reprinted, saying that the key was given at intake.
 */
@Injectable()
export class ReceiptService {
  constructor(
    private readonly dossiers: DossiersService,
    private readonly repo: DossiersRepository,
    private readonly procedures: ProcedureRulesService,
    private readonly calendars: CalendarService,
    private readonly units: UnitsRepository,
    private readonly users: UsersRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async receipt(id: string, user: AuthUser, lookupKey?: string): Promise<PdfFile> {
    const model = await this.model(id, user, lookupKey);
    return { fileName: pdfFileName(DOCUMENT_FILE_PREFIX.receipt, model.code), content: await renderReceipt(model) };
  }

  /** What the receipt says (the PDF and the console's printed page draw the same model). */
  async model(id: string, user: AuthUser, lookupKey?: string): Promise<ReceiptModel> {
    const row = await this.dossiers.visibleRow(id, user);
    if (lookupKey !== undefined) {
      const stored = await this.repo.lookupKeyHash(id);
      // The user may see the dossier, so saying the key is wrong reveals nothing.
      if (!stored || !lookupKeyMatches(lookupKey, stored)) {
        throw new DomainError('VALIDATION_FAILED', 'Dữ liệu không hợp lệ.', [
          { field: 'lookupKey', message: DOCUMENT_MESSAGES.receipt.keyMismatch },
        ]);
      }
    }
    const [procedure, events, calendar, unit] = await Promise.all([
      this.procedures.version(row.procedure_id, row.procedure_version),
      this.repo.events(row),
      this.calendars.current(),
      this.units.findById(row.receiving_unit_id),
    ]);
    // The appointment given at intake (later pauses and extensions do not rewrite the receipt).
    const atIntake = this.dossiers.replayRow(
      events.slice(0, 1),
      this.dossiers.context(calendar, procedure, row.channel),
    );
    const [parent, receiver] = await Promise.all([
      unit?.parentId ? this.units.findById(unit.parentId) : null,
      events[0]?.actor_user_id ? this.users.findById(events[0].actor_user_id) : null,
    ]);
    const a = row.applicant;
    const model: ReceiptModel = {
      agency: { parentName: parent?.name ?? null, unitName: unit?.name ?? row.receiving_unit_code },
      code: row.code,
      applicant: {
        kind: a.kind,
        name: text(a.fullName) ?? '',
        idNumber: text(a.idNumber),
        address: text(a.address),
        phone: text(a.phone),
        email: text(a.email),
      },
      procedure: { code: procedure.code, name: procedure.name, timeLimit: procedure.timeLimit },
      summary: row.summary,
      receivedAt: atIntake.receivedAt,
      appointmentAt: atIntake.clock.dueAt,
      receiverName: receiver?.fullName ?? null,
      lookupKey: lookupKey === undefined ? null : lookupKey.trim().toUpperCase(),
      lookupUrl: publicLookupUrl(this.config, row.code),
    };
    return model;
  }
}
