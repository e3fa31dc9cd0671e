/**
 * Notifications go out one activity per recipient; tests that reason about messages (one review
 * opened, one reminder round) merge them back by their shared message id, in order of first send.
 */
export function merged<T extends { messageId: string; to: { email: string }[] }>(sent: readonly T[]): T[] {
  const byMessage = new Map<string, T>();
  for (const notification of sent) {
    const known = byMessage.get(notification.messageId);
    byMessage.set(notification.messageId, known ? { ...known, to: [...known.to, ...notification.to] } : notification);
  }
  return [...byMessage.values()];
}

/** Each recipient got each message at most once. */
export function deliveredOnce(sent: readonly { messageId: string; to: { email: string }[] }[]): boolean {
  const deliveries = sent.flatMap((n) => n.to.map((person) => `${n.messageId} ${person.email}`));
  return new Set(deliveries).size === deliveries.length;
}
