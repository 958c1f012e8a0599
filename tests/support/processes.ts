// Finds the processes a test started through BabyBot (its Ollama, the model runner Ollama
// starts, its Temporal server) by the test's own folder in their command line or
// environment, so a test can check none is left behind and end any that is.
import fs from 'node:fs';

export interface FoundProcess {
  pid: number;
  command: string;
}

/** Live processes (Linux /proc) whose command line or environment contains `needle`, this process excluded. */
export function processesMentioning(needle: string): FoundProcess[] {
  const found: FoundProcess[] = [];
  for (const entry of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const command = read(pid, 'cmdline');
    if (command.includes(needle) || read(pid, 'environ').includes(needle)) found.push({ pid, command: command.slice(0, 160) });
  }
  return found;
}

/** SIGKILLs each process that still mentions `needle`; returns what it found, for the test's message. */
export function killProcessesMentioning(needle: string): FoundProcess[] {
  const found = processesMentioning(needle);
  for (const { pid } of found) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

function read(pid: number, what: string): string {
  try {
    return fs.readFileSync(`/proc/${pid}/${what}`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}
