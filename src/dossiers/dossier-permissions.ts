import type { AuthUser } from 'src/auth/auth-user';
import type { DossierAction } from 'src/dossiers/lifecycle';

/**
 * Who may take which action: counter staff act for their receiving unit, officers for
 * the unit of the dossier's current step, unit heads for everything their subtree's staff may do
 * plus extension as heads of the responsible unit, the admin for everything. The reform board only reads.
 */
export const COUNTER_ACTIONS: ReadonlySet<DossierAction> = new Set([
  'intake',
  'forward',
  'receive_supplement',
  'confirm_payment',
  'return',
  'withdraw',
  // Decree 118 Art. 19.5: the counter closes a dossier whose supplement request went unanswered.
  'close',
]);
export const OFFICER_ACTIONS: ReadonlySet<DossierAction> = new Set([
  'forward',
  'request_supplement',
  'request_payment',
  'resolve',
  'reject',
  'stop',
]);

export interface DossierUnits {
  receivingUnitId: string;
  /** Unit of the current step; null once ended. */
  currentStepUnitId: string | null;
  /** The current step is the counter's own (its unit is the receiving unit). */
  atCounterStep: boolean;
  /** For extension: the unit named responsible in the letter. */
  responsibleUnitId?: string | null;
  /** Every unit the dossier concerns (receiving, handling, steps): a head of any of them may comment. */
  unitIds?: readonly string[];
}

/**
 * Leaders' tools (docs/domain.md "Leaders' tools"): comments by heads of a unit the dossier
 * concerns and by the board; reassignment by a head of the current step's unit; recall by a head
 * of the current step's or the receiving unit; deadline corrections by the board (and the admin).
 * A head of a unit includes heads of its ancestors: the scope is the head's subtree.
 */
function mayLead(user: AuthUser, action: DossierAction, d: DossierUnits, scope: readonly string[]): boolean | null {
  const inScope = (id: string | null | undefined) => !!id && scope.includes(id);
  const head = user.role === 'unit_head';
  switch (action) {
    case 'comment':
      return user.role === 'reform_board' || (head && (d.unitIds ?? [d.receivingUnitId]).some(inScope));
    case 'reassign':
      return head && inScope(d.currentStepUnitId);
    case 'recall':
      return head && (inScope(d.currentStepUnitId) || inScope(d.receivingUnitId));
    case 'correct_deadline':
      return user.role === 'reform_board';
    default:
      return null;
  }
}

/** `scope`: the units the user acts for (own unit; a head's subtree); null for the admin. */
export function mayAct(
  user: AuthUser,
  action: DossierAction,
  d: DossierUnits,
  scope: readonly string[] | null,
): boolean {
  if (user.role === 'admin') return true;
  if (!scope) return false;
  const lead = mayLead(user, action, d, scope);
  if (lead !== null) return lead;
  const inScope = (id: string | null | undefined) => !!id && scope.includes(id);
  const counter =
    COUNTER_ACTIONS.has(action) && inScope(d.receivingUnitId) && (action !== 'forward' || d.atCounterStep);
  const officer = OFFICER_ACTIONS.has(action) && inScope(d.currentStepUnitId);
  switch (user.role) {
    case 'counter_staff':
      return counter;
    case 'officer':
      return officer;
    case 'unit_head':
      // docs/domain.md: the letter is "issued by the responsible unit": only a head of that unit (a
      // head of an ancestor is one too: the scope is the subtree). The service checks that the
      // unit is one of the dossier's (receiving, handling or a step's unit).
      if (action === 'extend') return inScope(d.responsibleUnitId);
      return counter || officer;
    case 'reform_board':
      return false;
    default:
      return false;
  }
}
