import type { DossierEvent, DossierState, FoldContext } from 'src/dossiers/lifecycle';
import { foldPortalFacts, mergeFacts, PortalFacts, startPortalFacts } from 'src/reports/portal-facts';

/**
 * What the 766 index reads from a dossier besides the lifecycle's projection, kept beside it at
 * every write (intake, action, import, rebuild): the portal's 2.1 facts (src/reports/portal-facts.ts)
 * and the facts declared by actions (digitised, reused data, personal data store, population data,
 * e-certified copies; the result's file link).
 */

/** The appointment given at intake: reception (snapped) + the statutory limit, without pauses. */
export function appointmentOf(state: DossierState, ctx: FoldContext): number {
  return ctx.calendar.dueAt(new Date(state.clockStart), ctx.rules.timeLimit).getTime();
}

/** The portal facts after `events` (continuing `prev`, or from the intake when `prev` is null). */
export function portalFactsAfter(
  prev: PortalFacts | null,
  events: readonly DossierEvent[],
  state: DossierState,
  ctx: FoldContext,
): PortalFacts {
  let f = prev ?? startPortalFacts(appointmentOf(state, ctx));
  for (const e of events) f = foldPortalFacts(f, e);
  return f;
}

/** The dossier's flags after an action: declared facts merged, the result's file link recorded. */
export function flagsAfter(flags: Record<string, unknown>, e: DossierEvent): Record<string, unknown> {
  const out = mergeFacts(flags, e.payload);
  if (e.action === 'resolve') {
    const url = e.payload.resultFileUrl;
    if (typeof url === 'string' && url.trim() !== '') out.resultFileUrl = url;
    else delete out.resultFileUrl;
  }
  return out;
}
