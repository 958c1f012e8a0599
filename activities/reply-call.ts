// A step's answer given as a call of `reply` (contracts/tools/reply-tool.ts), read where the
// step ends so that the workflow sees an answer, as if the model had written it as text.
import { checkToolArguments } from '../contracts/tools/index.js';
import type { ToolCall } from '../contracts/types.js';
import { recogniseContentCalls } from './content-tool-calls.js';

export type ReplyCallRead =
  /** The step's only call was reply with a text: that text is the answer, nothing runs. */
  | { answer: string }
  /** The calls as they are (reply beside others is not sent, places.ts), or those written as a reply's text. */
  | { calls: ToolCall[] };

export function readReplyCall(calls: ToolCall[], offered: readonly string[]): ReplyCallRead {
  const [only] = calls;
  if (calls.length !== 1 || only.function.name !== 'reply' || only.rejected || !offered.includes('reply')) return { calls };
  const checked = checkToolArguments('reply', only.function.arguments);
  if (checked.ok) {
    const text = checked.args.text as string;
    // A call written as the reply's text is that call: a person never receives a raw call.
    const inside = recogniseContentCalls(text, offered);
    return inside ? { calls: inside.calls } : { answer: text };
  }
  // Not an answer a person could read: the model is told how to call it (the loop does not run it).
  return { calls: [{ ...only, rejected: 'its text was missing or empty. Call reply with {"text": "<your answer>"}, or write the answer as plain text.' }] };
}
