/**
 * A bump allocator over the kernel's exported, growable wasm memory. The kernel never allocates: the
 * wrapper places every tensor and scratch buffer here and hands the kernel their addresses.
 *
 * Growing the memory detaches existing typed-array views, so callers re-create views through `f32()` /
 * `i32()`, which are refreshed whenever the underlying buffer changes.
 */
import type { WasmMemory } from './kernelModule.js';

const PAGE_BYTES = 65536;
const ALIGN = 16; // one v128

export class WasmArena {
  private top: number;
  private buffer: ArrayBuffer;
  private f32View: Float32Array;
  private i32View: Int32Array;

  constructor(
    private readonly memory: WasmMemory,
    base: number,
  ) {
    this.top = align(base);
    this.buffer = memory.buffer;
    this.f32View = new Float32Array(this.buffer);
    this.i32View = new Int32Array(this.buffer);
  }

  /** Reserves `words` 4-byte words, 16-byte aligned and zeroed; returns the byte address. */
  alloc(words: number): number {
    const addr = this.top;
    const end = align(addr + Math.max(1, words) * 4);
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE_BYTES));
    this.top = end;
    this.f32().fill(0, addr >> 2, (addr >> 2) + words);
    return addr;
  }

  /** Current end of the allocated region (to roll back to with `reset`). */
  mark(): number {
    return this.top;
  }

  /** Frees everything allocated after `mark` (the memory stays grown and is reused). */
  reset(mark: number): void {
    this.top = mark;
  }

  f32(): Float32Array {
    this.refresh();
    return this.f32View;
  }

  i32(): Int32Array {
    this.refresh();
    return this.i32View;
  }

  /** The memory's current buffer: views made on an older one are detached (the memory grew). */
  currentBuffer(): ArrayBuffer {
    return this.memory.buffer;
  }

  /** A view of `length` doubles at byte address `addr` (which must be 8-byte aligned). */
  doubles(addr: number, length: number): Float64Array {
    return new Float64Array(this.memory.buffer, addr, length);
  }

  /** A view of `length` floats at byte address `addr`. */
  floats(addr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, addr, length);
  }

  private refresh(): void {
    if (this.memory.buffer !== this.buffer) {
      this.buffer = this.memory.buffer;
      this.f32View = new Float32Array(this.buffer);
      this.i32View = new Int32Array(this.buffer);
    }
  }
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}
