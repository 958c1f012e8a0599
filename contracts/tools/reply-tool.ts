// The tool whose call is the answer. Small tool-calling models given tools call one for every
// message: Qwen2.5-Coder 0.5B and 1.5B at temperature 0 answered "Hi! How are you?", "Guten
// Morgen!" and "What is the capital of France?" with `remember` (the answer as the note) or
// `read_skill`, whatever the system prompt or the host's note said (2026-12-07). Offered
// `reply` first, both called it with the answer for all five of the bench's greetings and
// questions. A lone reply call is read as the step's answer where the model step ends
// (activities/model.ts): nothing runs, the person gets its text. Its place is 'answer'
// (places.ts): beside other calls it is not sent (the model answers once their results are in).
import { z } from 'zod';
import { defineTool } from './spec.js';

export const reply = defineTool({
  name: 'reply',
  description: 'Answer the person in chat text: for greetings, thanks, questions and anything no other tool does.',
  schema: z.object({ text: z.string().trim().min(1).max(20_000) }),
});

export const REPLY_TOOLS = [reply];
