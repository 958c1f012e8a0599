// How long a turn may think and act: its steps' worth of model time, plus ten minutes for
// tools. The turn holds itself to it (workflows/agent-turn.ts), and `babybot runs --stuck`
// names a turn that has run longer (temporal/stuck.ts): one formula for both.
export function turnBoundMs(limits: { maxSteps: number; modelTimeoutMs: number }): number {
  return limits.maxSteps * limits.modelTimeoutMs + 10 * 60_000;
}
