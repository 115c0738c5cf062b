/**
 * Orders replies by when their request was sent. The back end answers requests concurrently, so a list read
 * before a change can arrive after one read after it; applied in arrival order, the stale reply would overwrite
 * the fresh one, and when no later event comes the page shows the old state for good (a stopped sweep stuck at
 * "running": its stop reply, computed while its runs were still finishing, landed after the refresh their end
 * triggered).
 *
 * `ticket()` when sending, `accept(ticket)` with the reply: false when a reply to a later request was applied.
 */
export class ReplyOrder {
  private issued = 0;
  private applied = 0;

  ticket(): number {
    return ++this.issued;
  }

  accept(ticket: number): boolean {
    if (ticket < this.applied) return false;
    this.applied = ticket;
    return true;
  }
}
