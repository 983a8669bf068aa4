/** The subscription fields access depends on. */
export interface AccessSubject {
  status: string;
  pastDueSince: Date | null;
}

/**
 * The access rule by status, owned by Entitlements: trialing/active yes; past_due for a grace period of
 * `graceDays` after it became past_due (PAST_DUE_GRACE_DAYS); unpaid, canceled, expired, paused no.
 */
export function hasAccess(sub: AccessSubject, graceDays: number, now = new Date()): boolean {
  if (sub.status === 'trialing' || sub.status === 'active') return true;
  const until = graceEnds(sub, graceDays, now);
  return until !== null && now.getTime() <= until.getTime();
}

/** past_due: when its grace period ends; otherwise null. */
export function graceEnds(sub: AccessSubject, graceDays: number, now = new Date()): Date | null {
  if (sub.status !== 'past_due') return null;
  const since = sub.pastDueSince ? new Date(sub.pastDueSince) : now;
  return new Date(since.getTime() + graceDays * 86_400_000);
}
