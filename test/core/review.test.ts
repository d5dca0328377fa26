import { describe, expect, it } from 'vitest';
import { dueReminder, nextMarks, reviewReminderMessage, reviewStatus, staleRoles, type ReviewReminderMark } from '../../functions/core/review.ts';
import { checkout, SIGN_OFFS } from '../support/contracts.ts';

const day = (d: string, time = '12:00') => Date.parse(`${d}T${time}:00Z`);
// Signed 2026-11-02/03/05, review by 2027-02-01: the window opens 2027-01-18.
const contract = checkout({ reviewBy: '2027-02-01' });

describe('review status', () => {
  it('ok until 14 days before, due-soon from then, due on the day, overdue after', () => {
    expect(reviewStatus(contract, day('2027-01-17'))).toMatchObject({ state: 'ok', daysLeft: 15, note: 'review by 2027-02-01 (in 15 days)' });
    expect(reviewStatus(contract, day('2027-01-18', '00:00'))).toMatchObject({ state: 'due-soon', daysLeft: 14 });
    expect(reviewStatus(contract, day('2027-01-31', '23:59'))).toMatchObject({ state: 'due-soon', daysLeft: 1, note: 'review due in 1 day (by 2027-02-01): book the renegotiation with engineering, product and business' });
    expect(reviewStatus(contract, day('2027-02-01', '00:00'))).toMatchObject({ state: 'due', daysLeft: 0 });
    expect(reviewStatus(contract, day('2027-02-01', '23:59'))).toMatchObject({ state: 'due', daysLeft: 0 });
    expect(reviewStatus(contract, day('2027-02-03'))).toMatchObject({
      state: 'overdue',
      daysLeft: -2,
      note: 'review overdue since 2027-02-01 (2 days): renegotiate with engineering, product and business, then redeploy with fresh sign-offs and a new date',
    });
  });

  it('a date moved after a review came due stays flagged until every role has signed since the window opened', () => {
    const marks: ReviewReminderMark[] = [
      { reviewBy: '2027-02-01', kind: 'due-soon', at: day('2027-01-18') },
      { reviewBy: '2027-02-01', kind: 'due', at: day('2027-02-01') },
    ];
    const moved = checkout({ reviewBy: '2027-05-01' });
    expect(reviewStatus(moved, day('2027-02-02'), marks)).toMatchObject({
      state: 'unsigned',
      previousReviewBy: '2027-02-01',
      staleRoles: ['engineering', 'product', 'business'],
      note: 'review date moved from 2027-02-01 to 2027-05-01 without fresh sign-offs: engineering, product, business last signed before 2027-01-18; sign again (spec.signedOff) and redeploy',
    });
    // Two of three signed again (engineering on the day the window opened counts): product still stale.
    const partly = checkout({
      reviewBy: '2027-05-01',
      signedOff: [...SIGN_OFFS, { role: 'engineering', by: 'Ana Ortiz', on: '2027-01-18' }, { role: 'business', by: 'Kim Park', on: '2027-01-30' }],
    });
    expect(reviewStatus(partly, day('2027-02-02'), marks)).toMatchObject({ state: 'unsigned', staleRoles: ['product'] });
    const fresh = checkout({ reviewBy: '2027-05-01', signedOff: [...partly.spec.signedOff, { role: 'product', by: 'Sam Lee', on: '2027-02-02' }] });
    expect(reviewStatus(fresh, day('2027-02-02'), marks)).toMatchObject({ state: 'ok', daysLeft: 88 });
    // Without a reminder on record there is no earlier review to have signed for.
    expect(reviewStatus(moved, day('2027-02-02'), [])).toMatchObject({ state: 'ok' });
  });

  it('staleRoles uses each role\'s latest sign-off', () => {
    expect(staleRoles(contract, '2026-11-03')).toEqual(['engineering']);
    expect(staleRoles(contract, '2026-11-02')).toEqual([]);
  });
});

describe('which reminder is owed', () => {
  it('due-soon once from 14 days before, due once from the day; a run that first sees the date passed sends due only', () => {
    expect(dueReminder(contract, day('2027-01-17'), [])).toBeNull();
    expect(dueReminder(contract, day('2027-01-18'), [])).toBe('due-soon');
    const soon: ReviewReminderMark[] = [{ reviewBy: '2027-02-01', kind: 'due-soon', at: day('2027-01-18') }];
    expect(dueReminder(contract, day('2027-01-25'), soon)).toBeNull();
    expect(dueReminder(contract, day('2027-02-01'), soon)).toBe('due');
    expect(dueReminder(contract, day('2027-02-09'), [])).toBe('due');
    const due: ReviewReminderMark[] = [...soon, { reviewBy: '2027-02-01', kind: 'due', at: day('2027-02-01') }];
    expect(dueReminder(contract, day('2027-03-01'), due)).toBeNull();
    // Marks for an earlier date do not count for a new one.
    expect(dueReminder(checkout({ reviewBy: '2027-05-01' }), day('2027-04-20'), due)).toBe('due-soon');
  });

  it('marks keep the two latest review dates and no mark older than 400 days', () => {
    const m = (reviewBy: string, kind: 'due-soon' | 'due', d: string): ReviewReminderMark => ({ reviewBy, kind, at: day(d) });
    const kept = nextMarks([m('2026-05-01', 'due', '2026-05-01'), m('2026-08-01', 'due-soon', '2026-07-18'), m('2026-08-01', 'due', '2026-08-01')], m('2026-11-01', 'due-soon', '2026-10-18'));
    expect(kept.map((x) => `${x.reviewBy}/${x.kind}`)).toEqual(['2026-08-01/due-soon', '2026-08-01/due', '2026-11-01/due-soon']);
    expect(nextMarks([m('2025-01-01', 'due', '2025-01-01')], m('2026-11-01', 'due', '2026-11-01')).map((x) => x.reviewBy)).toEqual(['2026-11-01']);
  });
});

describe('the reminder message', () => {
  it('14 days before: to the contract\'s recipients (no audience), info', () => {
    const msg = reviewReminderMessage(contract, 'due-soon', day('2027-01-18', '00:05'));
    expect(msg.subject).toBe('[SLO info] checkout: contract review due in 14 days (by 2027-02-01)');
    expect(msg.attributes).toEqual({ contract: 'checkout', objective: '-', tier: '-', previousTier: '-', severity: 'info', event: 'review-reminder' });
    expect(msg.text).toContain('sign-offs in spec.signedOff (each dated 2027-01-18 or later) and a new spec.reviewBy');
    expect(msg.json).toMatchObject({ event: 'review-reminder', kind: 'due-soon', reviewBy: '2027-02-01', daysLeft: 14, signOffsFreshFrom: '2027-01-18' });
  });

  it('on the day (or once passed): leadership too, as a ticket', () => {
    expect(reviewReminderMessage(contract, 'due', day('2027-02-01')).attributes).toMatchObject({ severity: 'ticket', audience: ['leadership'] });
    expect(reviewReminderMessage(contract, 'due', day('2027-02-01')).subject).toBe('[SLO ticket] checkout: contract review due today (2027-02-01)');
    expect(reviewReminderMessage(contract, 'due', day('2027-02-05')).subject).toBe('[SLO ticket] checkout: contract review overdue since 2027-02-01');
  });
});
