/**
 * Pause / resume / stop for a training loop that runs on the same JavaScript thread as the code that
 * controls it: the loop yields to the event loop between slices of steps and checks these flags there.
 */
export class TrainControl {
  private paused = false;
  private stopped = false;
  private wake: (() => void) | null = null;

  get isPaused(): boolean {
    return this.paused;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  pause(): void {
    if (!this.stopped) this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wakeUp();
  }

  /** Ends the run after the current step; the trainer still evaluates and returns a result marked 'stopped'. */
  stop(): void {
    this.stopped = true;
    this.paused = false;
    this.wakeUp();
  }

  /** Resolves once the run is no longer paused (resumed or stopped). */
  async waitWhilePaused(): Promise<void> {
    while (this.paused && !this.stopped) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
