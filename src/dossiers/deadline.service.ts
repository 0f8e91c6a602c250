import { Injectable } from '@nestjs/common';
import type { AuthUser } from 'src/auth/auth-user';
import { CalendarService } from 'src/calendar/calendar.service';
import { Clock } from 'src/common/clock';
import { toLocalIso } from 'src/common/time';
import { explainDeadline } from 'src/dossiers/deadline-explanation';
import { DossiersRepository } from 'src/dossiers/dossiers.repository';
import { DossiersService } from 'src/dossiers/dossiers.service';
import type { DeadlineDto } from 'src/dossiers/dto/deadline.dto';
import { ProcedureRulesService } from 'src/dossiers/procedure-rules.service';

const iso = (ms: number) => toLocalIso(new Date(ms));

/** GET /dossiers/{id}/deadline: the explanation of a dossier's due instant, for whoever may see the dossier. */
@Injectable()
export class DeadlineService {
  constructor(
    private readonly dossiers: DossiersService,
    private readonly repo: DossiersRepository,
    private readonly rules: ProcedureRulesService,
    private readonly calendars: CalendarService,
    private readonly clock: Clock,
  ) {}

  async explain(id: string, user: AuthUser): Promise<DeadlineDto> {
    const row = await this.dossiers.visibleRow(id, user);
    const [versioned, procedure, events] = await Promise.all([
      this.calendars.currentVersioned(),
      this.rules.version(row.procedure_id, row.procedure_version),
      this.repo.events(row),
    ]);
    // An open dossier not yet recomputed after a calendar edit is explained as it will be recomputed.
    const state =
      row.state.endedAt === null &&
      (row.calendar_version !== versioned.version ||
        (row.state.policyVersion ?? 'nd61-2018') !== this.dossiers.foldPolicy(row.state.receivedAt).id)
        ? this.dossiers.replayRow(events, this.dossiers.context(versioned.calendar, procedure, row.channel))
        : row.state;
    const policy = this.dossiers.foldPolicy(state.receivedAt);
    const x = explainDeadline({
      state,
      events: events.map((e) => ({ action: e.action, at: e.at.getTime(), toStatus: e.to_status, payload: e.payload })),
      timeLimit: procedure.timeLimit,
      intakeCutoff: procedure.intakeCutoff,
      procedureVersion: row.procedure_version,
      calendar: versioned.calendar,
      names: versioned.names,
      calendarVersion: state === row.state ? row.calendar_version : versioned.version,
      now: this.clock.now().getTime(),
      supplementRestartsClock: policy.supplementRestartsClock === true,
    });
    return {
      dossierId: row.id,
      dossierCode: row.code,
      dueAt: x.dueAt === null ? null : iso(x.dueAt),
      promisedAt: x.promisedAt === null ? null : iso(x.promisedAt),
      clockStart: iso(x.clockStart),
      receivedAt: iso(x.receivedAt),
      clockStartReason: x.clockStartReason,
      timeLimit: x.timeLimit,
      limitWorkingMinutes: x.limitWorkingMinutes,
      intakeCutoff: x.intakeCutoff,
      procedureVersion: x.procedureVersion,
      calendarVersion: x.calendarVersion,
      provisional: x.provisional,
      remainingWorkingMinutes: x.remainingWorkingMinutes,
      segments: x.segments.map((s) => ({ from: iso(s.from), to: iso(s.to), workingMinutes: s.workingMinutes })),
      pauses: x.pauses.map((p) => ({
        from: iso(p.from),
        to: p.to === null ? null : iso(p.to),
        reason: p.reason,
        workingMinutes: p.workingMinutes,
      })),
      skippedDays: x.skippedDays,
      // The promised instant as the client sent it may carry another offset (Z): answers use +07:00.
      extensions: x.extensions.map((e) => ({
        at: iso(e.at),
        newPromisedAt: Number.isNaN(Date.parse(e.newPromisedAt)) ? e.newPromisedAt : iso(Date.parse(e.newPromisedAt)),
        reason: e.reason,
      })),
      policyVersion: state.policyVersion ?? policy.id ?? 'nd61-2018',
      restarts: x.restarts.map((r) => ({
        at: iso(r.at),
        clockStart: iso(r.clockStart),
        discardedWorkingMinutes: r.discardedWorkingMinutes,
      })),
      corrections: x.corrections.map((c) => ({
        at: iso(c.at),
        dueAt: iso(c.dueAt),
        previousDueAt: iso(c.previousDueAt),
        reason: c.reason,
        documentRef: c.documentRef,
        actorUserId: c.actorUserId,
      })),
      calendarDays: x.calendarDays && { rawDueAt: iso(x.calendarDays.rawDueAt), snap: x.calendarDays.snap },
    };
  }
}
