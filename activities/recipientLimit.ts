/**
 * A cap on emails per recipient per hour. Policies set how often reminders go out, and a floor
 * keeps them sane (MLTRL_MIN_POLICY_INTERVAL), but no project file should be able to turn the
 * engine into a relay: past the cap, messages to that address are held back (not sent) and the
 * workflow records the hold in the component's history. The count is kept per worker process.
 */
export const DEFAULT_MAX_EMAILS_PER_HOUR = 30;
const HOUR_MS = 3_600_000;

export interface RecipientLimit {
  /** Take one message's place for `email`; false when the address has had its hour's share. */
  take(email: string): boolean;
}

export function recipientLimit(maxPerHour = DEFAULT_MAX_EMAILS_PER_HOUR, now: () => number = Date.now): RecipientLimit {
  const sent = new Map<string, number[]>();
  return {
    take(email) {
      const at = now();
      const recent = (sent.get(email) ?? []).filter((time) => time > at - HOUR_MS);
      if (recent.length >= maxPerHour) {
        sent.set(email, recent);
        return false;
      }
      recent.push(at);
      sent.set(email, recent);
      // Forget addresses that have been quiet for the whole window, so the map stays small.
      if (sent.size > 10_000) for (const [key, times] of sent) if (!times.some((time) => time > at - HOUR_MS)) sent.delete(key);
      return true;
    },
  };
}
