import type { AuthUser } from '../auth/auth-user';
import { mayAct } from './dossier-permissions';

const user = (role: AuthUser['role'], unitId = 'counter'): AuthUser => ({ id: 'u', username: 'u', role, unitId });
const atCounter = { receivingUnitId: 'counter', currentStepUnitId: 'counter', atCounterStep: true };
const atAppraisal = { receivingUnitId: 'counter', currentStepUnitId: 'appraisal', atCounterStep: false };

describe('who may act on a dossier', () => {
  it('lets counter staff forward out of their own step but not out of an officer step', () => {
    expect(mayAct(user('counter_staff'), 'forward', atCounter, ['counter'])).toBe(true);
    expect(mayAct(user('counter_staff'), 'forward', atAppraisal, ['counter'])).toBe(false);
  });
  it('lets counter staff receive supplements, confirm payments, return and withdraw for their receiving unit only', () => {
    for (const a of ['receive_supplement', 'confirm_payment', 'return', 'withdraw'] as const) {
      expect(mayAct(user('counter_staff'), a, atAppraisal, ['counter'])).toBe(true);
      expect(mayAct(user('counter_staff', 'other'), a, atAppraisal, ['other'])).toBe(false);
    }
    expect(mayAct(user('counter_staff'), 'resolve', atCounter, ['counter'])).toBe(false);
    expect(mayAct(user('counter_staff'), 'extend', atCounter, ['counter'])).toBe(false);
  });
  it('lets officers act on dossiers at their unit step only', () => {
    for (const a of ['forward', 'request_supplement', 'request_payment', 'resolve', 'reject', 'stop'] as const) {
      expect(mayAct(user('officer', 'appraisal'), a, atAppraisal, ['appraisal'])).toBe(true);
      expect(mayAct(user('officer', 'appraisal'), a, atCounter, ['appraisal'])).toBe(false);
    }
    expect(mayAct(user('officer', 'appraisal'), 'return', atAppraisal, ['appraisal'])).toBe(false);
  });
  it('lets a unit head do what the subtree staff may do, plus extend', () => {
    const head = user('unit_head', 'dept');
    const subtree = ['dept', 'counter', 'appraisal'];
    for (const a of ['forward', 'resolve', 'return', 'withdraw'] as const)
      expect(mayAct(head, a, atAppraisal, subtree)).toBe(true);
    expect(mayAct(head, 'extend', { ...atAppraisal, responsibleUnitId: 'appraisal' }, subtree)).toBe(true);
    expect(mayAct(head, 'resolve', atAppraisal, ['dept'])).toBe(false);
  });
  it('lets only a head of the responsible unit (or of an ancestor) extend, not any head of the units of the dossier', () => {
    const withResponsible = (responsibleUnitId: string) => ({ ...atAppraisal, responsibleUnitId });
    // A division head whose unit holds the current step names another division: not theirs to sign.
    expect(mayAct(user('unit_head', 'appraisal'), 'extend', withResponsible('counter'), ['appraisal'])).toBe(false);
    expect(mayAct(user('unit_head', 'appraisal'), 'extend', withResponsible('appraisal'), ['appraisal'])).toBe(true);
    // The department head heads its divisions too.
    expect(mayAct(user('unit_head', 'dept'), 'extend', withResponsible('appraisal'), ['dept', 'appraisal'])).toBe(true);
    expect(mayAct(user('unit_head', 'other'), 'extend', withResponsible('appraisal'), ['other'])).toBe(false);
  });
  it('never lets the reform board act, and always lets the admin', () => {
    expect(mayAct(user('reform_board'), 'resolve', atAppraisal, null)).toBe(false);
    expect(mayAct(user('admin'), 'extend', atAppraisal, null)).toBe(true);
  });
});
