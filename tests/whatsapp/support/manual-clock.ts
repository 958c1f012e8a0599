import type { Clock } from '../../../channel/whatsapp/whatsapp-channel.js';

/** A clock whose timers run only when the test says so: delays are read, not waited. */
export class ManualClock implements Clock {
  time = 1_000_000;
  timers: { at: number; fn: () => void; delay: number }[] = [];
  now = () => this.time;
  setTimeout = (fn: () => void, ms: number) => {
    this.timers.push({ at: this.time + ms, fn, delay: ms });
    return { ref: this.timers.length } as unknown as NodeJS.Timeout;
  };
  clearTimeout = () => {
    this.timers = [];
  };
  /** Runs the next timer; returns the delay it was scheduled with. */
  runNext(): number {
    const timer = this.timers.shift();
    if (!timer) throw new Error('no timer scheduled');
    this.time = Math.max(this.time, timer.at);
    timer.fn();
    return timer.delay;
  }
}
