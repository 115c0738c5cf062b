/**
 * A sweep's progress on stderr: on a terminal, one redrawn bar per running run under a summary line; otherwise
 * one plain line per finished run (logs and CI stay readable).
 */
import type { GridPoint } from '../engine/sweep/grid.js';
import type { SweepEvent } from '../engine/sweep/runSweep.js';
import type { SweepRunEntry } from '../engine/sweep/sweepFolder.js';
import type { TrainProgress } from '../engine/train/types.js';
import { formatDuration } from './progress.js';

export function finishedLine(done: number, total: number, name: string, entry: SweepRunEntry): string {
  const loss = entry.loss ? `  train ${entry.loss.train.toFixed(4)}  val ${entry.loss.val.toFixed(4)}` : '';
  const speed = entry.stepsPerSecond !== null ? `  ${entry.stepsPerSecond.toFixed(0)} steps/s` : '';
  const error = entry.error ? `  (${entry.error})` : '';
  return `[${done}/${total}] ${name} ${entry.status}${loss}${speed}${error}`;
}

export class SweepProgress {
  private readonly live = new Map<number, TrainProgress | null>();
  private finished = 0;
  private drawnLines = 0;
  private lastDraw = 0;

  constructor(
    private readonly points: readonly GridPoint[],
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly tty = Boolean(process.stderr.isTTY),
  ) {}

  onEvent(event: SweepEvent): void {
    if (event.type === 'run-started') this.live.set(event.index, null);
    else if (event.type === 'run-progress') this.live.set(event.index, event.progress);
    else {
      this.live.delete(event.index);
      this.finished++;
      this.message(finishedLine(this.finished, this.points.length, this.points[event.index].name, event.entry));
      return;
    }
    if (this.tty && performance.now() - this.lastDraw > 100) this.draw();
  }

  /** A line above the bars (a finished run, a notice). */
  message(text: string): void {
    this.erase();
    this.stream.write(text + '\n');
    if (this.tty) this.draw();
  }

  finish(): void {
    this.erase();
  }

  private erase(): void {
    if (this.drawnLines > 0) this.stream.write(`\x1b[${this.drawnLines}A\x1b[J`);
    this.drawnLines = 0;
  }

  private draw(): void {
    this.erase();
    const width = 20;
    const nameWidth = Math.max(0, ...[...this.live.keys()].map((i) => this.points[i].name.length));
    const lines = [...this.live.entries()].map(([i, p]) => {
      const name = this.points[i].name.padEnd(nameWidth);
      if (!p) return `${name}  starting…`;
      const filled = p.totalSteps > 0 ? Math.round((width * p.step) / p.totalSteps) : width;
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      return `${name}  ${bar} ${p.step}/${p.totalSteps}  loss ${p.loss.toFixed(4)}  ${p.stepsPerSecond.toFixed(0)} steps/s  ETA ${formatDuration(p.etaSeconds)}`;
    });
    lines.push(`${this.finished}/${this.points.length} finished, ${this.live.size} running`);
    const columns = this.stream.columns || 120;
    this.stream.write(lines.map((l) => l.slice(0, columns - 1)).join('\n') + '\n');
    this.drawnLines = lines.length;
    this.lastDraw = performance.now();
  }
}
