// The scripted model for the task tests: a user message that names a planned tool call gets
// that call; a tool result is read back as the reply ("tool said: …", so the chat shows what
// the tool answered); a task's prompt (they start with "TASK") gets the task's answer.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { eventually } from '../support/eventually.js';
import { withoutTimeNote, type ChatRequestBody, type Script, type StubReply } from '../support/ollama-stub.js';

export interface PlannedCall {
  name: string;
  arguments: Record<string, unknown>;
}

export function taskScript(plan: Record<string, PlannedCall>, taskReply: (prompt: string) => StubReply): Script {
  return (request: ChatRequestBody) => {
    const last = request.messages.at(-1)!;
    if (last.role === 'tool') return { content: `tool said: ${last.content}` };
    const text = withoutTimeNote(last.content);
    const prompt = /TASK[^\n]*/.exec(text);
    if (prompt) return taskReply(prompt[0]);
    const key = Object.keys(plan).find((words) => text.includes(words));
    if (key) return { toolCalls: [plan[key]] };
    return { content: `echo: ${text}` };
  };
}

/** The tool results the model was shown, in order. */
export function toolResults(requests: ChatRequestBody[]): string[] {
  return requests.map((r) => r.messages.at(-1)!).filter((m) => m.role === 'tool').map((m) => m.content);
}

/** eventually() with the argument order these tests use. */
export const waitFor = <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000) =>
  eventually(probe, { timeoutMs, what, intervalMs: 100 });

const BIN = path.resolve(import.meta.dirname, '../../bin/babybot.js');

/** Runs `babybot tasks …` as a child process, the way a person does. */
export function babybotCli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
