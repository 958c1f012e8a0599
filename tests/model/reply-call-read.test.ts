// How a step's reply call is read (activities/reply-call.ts), without a bot: the answer, or calls.
import { describe, expect, it } from 'vitest';
import { readReplyCall } from '../../activities/reply-call.js';
import type { ToolCall } from '../../contracts/types.js';

const call = (name: string, args: Record<string, unknown>): ToolCall => ({ function: { name, arguments: args } });
const OFFERED = ['reply', 'remember', 'run_command'];

describe('reading a reply call', () => {
  it('a lone reply with a text is the answer', () => {
    expect(readReplyCall([call('reply', { text: ' Hello! ' })], OFFERED)).toEqual({ answer: 'Hello!' });
  });

  it('reply beside other calls, reply where it was not offered, and no reply at all: the calls as they are', () => {
    const both = [call('remember', { note: 'x' }), call('reply', { text: 'Done' })];
    expect(readReplyCall(both, OFFERED)).toEqual({ calls: both });
    expect(readReplyCall([call('reply', { text: 'Hi' })], ['remember'])).toEqual({ calls: [call('reply', { text: 'Hi' })] });
    expect(readReplyCall([], OFFERED)).toEqual({ calls: [] });
  });

  it('a call written as the reply text is that call, never words for a person', () => {
    const read = readReplyCall([call('reply', { text: '{"name": "run_command", "arguments": {"command": "wc -l notes.txt"}}' })], OFFERED);
    expect(read).toEqual({ calls: [call('run_command', { command: 'wc -l notes.txt' })] });
  });

  it('without a text it is not run: the model is told how to call it', () => {
    const read = readReplyCall([call('reply', { message: 'Hi' })], OFFERED);
    expect('calls' in read && read.calls[0].rejected).toMatch(/^its text was missing or empty/);
  });
});
