// Turns a model's tool call into a sandbox request, and the sandbox's answer into the text
// the model reads next (with a note of anything cut).
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import { RESULTS, type SandboxRequest, type SandboxResponse } from '../container/ipc/schema.js';
import type { listFiles, readFile, runCommand, writeFile } from '../contracts/tools/sandbox-tools.js';
import type { ToolInvocation } from '../contracts/types.js';

export interface StepLimits {
  stepTimeoutMs: number;
  outputLimit: number;
}

export function requestFor(invocation: ToolInvocation, limits: StepLimits): SandboxRequest {
  const args = invocation.args;
  switch (invocation.tool) {
    case 'run_command': {
      const { command, timeoutSeconds } = args as z.infer<typeof runCommand.schema>;
      const timeoutMs = Math.min((timeoutSeconds ?? Infinity) * 1000, limits.stepTimeoutMs);
      return { type: 'run_command', command, timeoutMs, outputLimit: limits.outputLimit };
    }
    case 'read_file':
      return { type: 'read_file', path: (args as z.infer<typeof readFile.schema>).path, maxBytes: limits.outputLimit };
    case 'write_file': {
      const { path, content } = args as z.infer<typeof writeFile.schema>;
      return { type: 'write_file', path, content };
    }
    case 'list_files':
      return { type: 'list_files', path: (args as z.infer<typeof listFiles.schema>).path ?? '/workspace/group' };
    default:
      throw ApplicationFailure.nonRetryable(`${invocation.tool} is not a sandbox tool.`, 'UnknownTool');
  }
}

const cutNote = (bytes: number, what: string) => (bytes > 0 ? `\n[… ${bytes} more bytes of ${what} cut]` : '');

/** The text the model reads: results in full (within limits), refusals and failures as "Error: …". */
export function describeResponse(request: SandboxRequest, response: SandboxResponse): string {
  if (!response.ok) return `Error: ${response.error}`;
  switch (request.type) {
    case 'run_command': {
      const r = RESULTS.run_command.parse(response.result);
      const status = r.timedOut
        ? `timed out after ${Math.round(request.timeoutMs / 1000)}s; the command and everything it started were stopped`
        : r.cancelled
          ? 'cancelled'
          : r.exitCode !== null
            ? `exit code ${r.exitCode}`
            : `killed by ${r.signal}`;
      return [
        status,
        `stdout:\n${r.stdout}${cutNote(r.stdoutCut, 'stdout')}`,
        `stderr:\n${r.stderr}${cutNote(r.stderrCut, 'stderr')}`,
      ].join('\n');
    }
    case 'read_file': {
      const r = RESULTS.read_file.parse(response.result);
      return `${r.content}${cutNote(r.cut, r.path)}`;
    }
    case 'write_file': {
      const r = RESULTS.write_file.parse(response.result);
      return `Wrote ${r.bytes} bytes to ${r.path}.`;
    }
    case 'list_files': {
      const r = RESULTS.list_files.parse(response.result);
      const lines = r.entries.map((e) => (e.kind === 'dir' ? `${e.name}/` : e.kind === 'file' ? `${e.name} (${e.size} bytes)` : `${e.name} (${e.kind})`));
      return `${r.path}:\n${lines.join('\n') || '(empty)'}${r.more ? `\n[… ${r.more} more entries]` : ''}`;
    }
    default:
      return JSON.stringify(response.result);
  }
}
