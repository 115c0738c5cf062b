/**
 * Steps per second over a recent window of running time, and the ETA derived from it.
 *
 * Time spent paused or evaluating is excluded by the caller, who only reports running intervals, so the
 * figure (and the ETA shown in the app and the CLI) is the speed of training itself.
 */
export class ThroughputMeter {
  private samples: { steps: number; seconds: number }[] = [];
  private totalSteps = 0;
  private totalSeconds = 0;

  constructor(private readonly windowSeconds = 3) {}

  /** Records that `steps` steps ran in `seconds` of running time. */
  add(steps: number, seconds: number): void {
    if (steps <= 0 && seconds <= 0) return;
    this.samples.push({ steps, seconds });
    this.totalSteps += steps;
    this.totalSeconds += seconds;
    let windowTime = this.samples.reduce((t, s) => t + s.seconds, 0);
    while (this.samples.length > 1 && windowTime - this.samples[0].seconds >= this.windowSeconds) {
      windowTime -= this.samples[0].seconds;
      this.samples.shift();
    }
  }

  /** Recent steps per second (0 before anything was measured). */
  recentRate(): number {
    let steps = 0;
    let seconds = 0;
    for (const s of this.samples) {
      steps += s.steps;
      seconds += s.seconds;
    }
    return seconds > 0 ? steps / seconds : 0;
  }

  /** Mean steps per second over every recorded interval. */
  overallRate(): number {
    return this.totalSeconds > 0 ? this.totalSteps / this.totalSeconds : 0;
  }

  get runningSeconds(): number {
    return this.totalSeconds;
  }

  /** Seconds to finish `remainingSteps` at the recent rate; null while no rate is known. */
  eta(remainingSteps: number): number | null {
    const rate = this.recentRate();
    return rate > 0 ? remainingSteps / rate : null;
  }
}
