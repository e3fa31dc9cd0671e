/**
 * Dates as people read them, in one place for the CLI, the web pages, the TRL card and the emails.
 * Always UTC, and said so: workers, servers and reviewers share no other time zone. Pure, so the
 * activities (emails) use it as well as src/.
 */

/** Epoch milliseconds, or an ISO 8601 string (what queries and schedules return). */
export type Instant = number | string;

const iso = (at: Instant) => new Date(at).toISOString();

/** `2026-03-01`: a day, e.g. until when a review link works. */
export function utcDay(at: Instant): string {
  return iso(at).slice(0, 10);
}

/** `2026-03-01 14:05 UTC`: when something happened, on pages and cards. */
export function utcMinute(at: Instant): string {
  return `${iso(at).slice(0, 16).replace('T', ' ')} UTC`;
}

/** `2026-03-01 14:05:09 UTC`: to the second, where events minutes apart must stay apart (the CLI, audit history). */
export function utcSecond(at: Instant): string {
  return `${iso(at).slice(0, 19).replace('T', ' ')} UTC`;
}
