import { Injectable, OnModuleInit } from '@nestjs/common';
import type { AuthUser } from 'src/auth/auth-user';
import { UsersRepository } from 'src/auth/users.repository';
import { CalendarService } from 'src/calendar/calendar.service';
import type { UnitEntity } from 'src/catalogue/unit.entity';
import { UnitsRepository } from 'src/catalogue/units.repository';
import { Clock } from 'src/common/clock';
import { notFound } from 'src/common/domain-error';
import {
  ControlSlipModel,
  handOverNotes,
  Names,
  renderControlSlip,
  slipRows,
} from 'src/dossiers/documents/control-slip.document';
import { DOCUMENT_FILE_PREFIX, DOCUMENT_MESSAGES } from 'src/dossiers/documents/documents.messages';
import { pdfFileName } from 'src/dossiers/documents/document-format';
import { ExtensionLetterModel, renderExtensionLetter } from 'src/dossiers/documents/extension-letter.document';
import { fontData } from 'src/dossiers/documents/pdf-fonts';
import { DossiersRepository } from 'src/dossiers/dossiers.repository';
import { DossiersService } from 'src/dossiers/dossiers.service';
import { STATUS_LABEL } from 'src/dossiers/lifecycle';
import { ProcedureRulesService } from 'src/dossiers/procedure-rules.service';

/** A rendered document and the name it is downloaded under. */
export interface PdfFile {
  fileName: string;
  content: Buffer;
}

type Agency = ControlSlipModel['agency'];

/**
 * The printed documents of a dossier (form 06 control slip, form 04 apology and extension letter).
 * Visibility is the dossier's (DossiersService.visibleRow: 404 for anyone who may not see it).
 * Reads only; rendering is in the pure *.document.ts files.
 */
@Injectable()
export class DocumentsService implements OnModuleInit {
  constructor(
    private readonly dossiers: DossiersService,
    private readonly repo: DossiersRepository,
    private readonly procedures: ProcedureRulesService,
    private readonly calendars: CalendarService,
    private readonly units: UnitsRepository,
    private readonly users: UsersRepository,
    private readonly clock: Clock,
  ) {}

  /** A missing font package fails the start-up, not the first download. */
  onModuleInit(): void {
    fontData();
  }

  async controlSlip(id: string, user: AuthUser): Promise<PdfFile> {
    const row = await this.dossiers.visibleRow(id, user);
    const [procedure, events] = await Promise.all([
      this.procedures.version(row.procedure_id, row.procedure_version),
      this.repo.events(row),
    ]);
    const s = row.state;
    const names = await this.names(
      [row.receiving_unit_code, procedure.unitCode, ...s.steps.flatMap((st) => [st.fromUnitCode, st.toUnitCode])],
      s.steps.flatMap((st) => [st.handedOverBy, st.assigneeUserId]),
    );
    const applicantName = applicantNameOf(row.applicant);
    const model: ControlSlipModel = {
      agency: await this.agency(names.entity(row.receiving_unit_code), row.receiving_unit_code),
      code: row.code,
      procedure: `${procedure.code} - ${procedure.name}`,
      applicantName,
      handlingUnit: names.unit(procedure.unitCode),
      receivedAt: s.receivedAt,
      dueAt: s.clock.dueAt,
      paused: s.endedAt === null && s.clock.pausedSince !== null,
      promisedAt: s.promisedAt,
      statusLabel: STATUS_LABEL[s.status],
      outcome: s.outcome,
      endedAt: s.endedAt,
      printedAt: this.clock.now().getTime(),
      rows: slipRows(s, names, applicantName, handOverNotes(events)),
    };
    return { fileName: pdfFileName(DOCUMENT_FILE_PREFIX.slip, row.code), content: await renderControlSlip(model) };
  }

  /** The letter of the n-th extension (1-based); 404 when the dossier has fewer. */
  async extensionLetter(id: string, n: number, user: AuthUser): Promise<PdfFile> {
    const row = await this.dossiers.visibleRow(id, user);
    const events = await this.repo.events(row);
    const extensions = events.filter((e) => e.action === 'extend');
    const ext = Number.isInteger(n) && n >= 1 ? extensions[n - 1] : undefined;
    if (!ext) throw notFound(DOCUMENT_MESSAGES.extensionNotFound);
    const [procedure, calendar] = await Promise.all([
      this.procedures.version(row.procedure_id, row.procedure_version),
      this.calendars.current(),
    ]);
    // The appointment the letter apologises for: the statutory due instant as it stood when the
    // letter was issued (later pauses move it; the letter must not change with them).
    const atLetter = this.dossiers.replayRow(
      events.slice(0, events.indexOf(ext) + 1),
      this.dossiers.context(calendar, procedure, row.channel),
    );
    const responsibleCode = String(ext.payload.responsibleUnitCode ?? row.receiving_unit_code);
    const names = await this.names([responsibleCode, row.receiving_unit_code], [ext.actor_user_id]);
    const model: ExtensionLetterModel = {
      agency: await this.agency(names.entity(responsibleCode), responsibleCode),
      receivingUnitName: names.unit(row.receiving_unit_code),
      issuedAt: new Date(ext.at).getTime(),
      applicant: { name: applicantNameOf(row.applicant), kind: row.applicant.kind },
      code: row.code,
      procedureName: procedure.name,
      receivedAt: atLetter.receivedAt,
      appointmentAt: atLetter.clock.dueAt,
      reason: typeof ext.payload.reason === 'string' ? ext.payload.reason : '',
      promisedAt: atLetter.promisedAt ?? Date.parse(String(ext.payload.newPromisedAt)),
      signerName: names.user(ext.actor_user_id),
    };
    return {
      fileName: pdfFileName(DOCUMENT_FILE_PREFIX.letter, row.code, String(n)),
      content: await renderExtensionLetter(model),
    };
  }

  /** Unit names by code and users' full names by id, each looked up once. */
  private async names(
    unitCodes: string[],
    userIds: (string | null)[],
  ): Promise<Names & { entity(code: string): UnitEntity | undefined }> {
    const ids = [...new Set(userIds.filter((u): u is string => !!u))];
    const [units, users] = await Promise.all([
      this.units.findByCodes([...new Set(unitCodes)]),
      Promise.all(ids.map((u) => this.users.findById(u))),
    ]);
    const unitByCode = new Map(units.map((u) => [u.code, u]));
    const userName = new Map(users.filter((u) => u !== null).map((u) => [u.id, u.fullName]));
    return {
      entity: (code) => unitByCode.get(code),
      unit: (code) => unitByCode.get(code)?.name ?? code,
      user: (id) => (id ? (userName.get(id) ?? null) : null),
    };
  }

  private async agency(unit: UnitEntity | undefined, code: string): Promise<Agency> {
    const parent = unit?.parentId ? await this.units.findById(unit.parentId) : null;
    return { parentName: parent?.name ?? null, unitName: unit?.name ?? code };
  }
}

function applicantNameOf(applicant: Record<string, unknown>): string {
  return typeof applicant.fullName === 'string' ? applicant.fullName : '';
}
