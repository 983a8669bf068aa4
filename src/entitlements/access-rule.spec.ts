import { graceEnds, hasAccess } from './access-rule';

describe('the access rule', () => {
  const now = new Date('2026-12-03T12:00:00Z');
  const daysAgo = (n: number) => new Date(now.getTime() - n * 86_400_000);

  it('grants trialing and active, refuses unpaid, canceled, incomplete_expired and paused', () => {
    for (const status of ['trialing', 'active'])
      expect(hasAccess({ status, pastDueSince: null }, 7, now)).toBe(true);
    for (const status of ['unpaid', 'canceled', 'incomplete_expired', 'paused', 'incomplete'])
      expect(hasAccess({ status, pastDueSince: null }, 7, now)).toBe(false);
  });

  it('grants past_due until the grace days since it became past_due have passed, then refuses', () => {
    expect(hasAccess({ status: 'past_due', pastDueSince: daysAgo(6) }, 7, now)).toBe(true);
    expect(hasAccess({ status: 'past_due', pastDueSince: daysAgo(8) }, 7, now)).toBe(false);
    expect(hasAccess({ status: 'past_due', pastDueSince: daysAgo(1) }, 0, now)).toBe(false);
    expect(graceEnds({ status: 'past_due', pastDueSince: daysAgo(2) }, 7, now)).toEqual(
      new Date(daysAgo(2).getTime() + 7 * 86_400_000),
    );
    expect(graceEnds({ status: 'active', pastDueSince: null }, 7, now)).toBeNull();
  });
});
