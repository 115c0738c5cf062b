/**
 * Training progress on the terminal: a redrawn bar on a TTY, plain lines (about every 5%) otherwise, so logs
 * and CI output stay readable. Always on stderr, keeping stdout for results (and --json's last line).
 */
import type { TrainProgress } from '../engine/train/types.js';

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

export function progressLine(p: TrainProgress): string {
  const pct = p.totalSteps > 0 ? (100 * p.step) / p.totalSteps : 100;
  return `step ${p.step}/${p.totalSteps} (${pct.toFixed(0)}%)  loss ${p.loss.toFixed(4)}  lr ${p.learningRate}  ${p.stepsPerSecond.toFixed(0)} steps/s  ETA ${formatDuration(p.etaSeconds)}`;
}

export class ProgressReporter {
  private lastPercentBucket = -1;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly tty = Boolean(process.stderr.isTTY),
  ) {}

  update(p: TrainProgress): void {
    if (this.tty) {
      const width = 24;
      const filled = p.totalSteps > 0 ? Math.round((width * p.step) / p.totalSteps) : width;
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      this.stream.write(`\r${bar} ${progressLine(p)}\x1b[K`);
      this.drawn = true;
      return;
    }
    const bucket = p.totalSteps > 0 ? Math.floor((20 * p.step) / p.totalSteps) : 20;
    if (bucket !== this.lastPercentBucket) {
      this.lastPercentBucket = bucket;
      this.stream.write(progressLine(p) + '\n');
    }
  }

  message(text: string): void {
    this.finish();
    this.stream.write(text + '\n');
  }

  finish(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}
