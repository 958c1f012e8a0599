// A step's answer given as a call of `reply` (contracts/tools/reply-tool.ts), read where the
// step ends so that the workflow sees an answer, as if the model had written it as text.
import { checkToolArguments } from '../contracts/tools/index.js';
import type { ToolCall } from '../contracts/types.js';

export type ReplyCallRead =
  /** The step's only call was reply with a text: that text is the answer, nothing runs. */
  | { answer: string }
  /** The calls as they are: reply beside others (not sent, places.ts), or no reply at all. */
  | { calls: ToolCall[] };

export function readReplyCall(calls: ToolCall[], offered: readonly string[]): ReplyCallRead {
  const [only] = calls;
  if (calls.length !== 1 || only.function.name !== 'reply' || only.rejected || !offered.includes('reply')) return { calls };
  const checked = checkToolArguments('reply', only.function.arguments);
  if (checked.ok) return { answer: checked.args.text as string };
  // Not an answer a person could read: the model is told how to call it (the loop does not run it).
  return { calls: [{ ...only, rejected: 'its text was missing or empty. Call reply with {"text": "<your answer>"}, or write the answer as plain text.' }] };
}
