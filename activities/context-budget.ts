// Fitting a conversation into the model's context window. Ollama cuts a prompt longer than
// num_ctx without saying so (and then runs on a prompt that lost its start); BabyBot trims
// it first, openly: the system prompt, the tools and the newest messages always stay, the
// oldest go, and the step's details say how many went. The token estimate starts careful
// and is calibrated with the prompt_eval_count Ollama reports for each step.
import { HOST_NOTE_TAG } from '../contracts/host-notes.js';
import type { ChatMessage } from '../contracts/types.js';


/** Tokens a message costs beyond its text: the template's role markers and separators. */
const PER_MESSAGE_TOKENS = 8;

/** Characters per token, learned from Ollama's own counts; per worker process. */
export class TokenEstimate {
  // 3 characters per token until measured: English prose is ~4, JSON (the tools) ~3, so
  // the first step of a fresh process errs on the side of trimming rather than overflow.
  charsPerToken = 3;
  calibrated = false;

  tokens(chars: number, messages: number): number {
    return Math.ceil(chars / this.charsPerToken) + messages * PER_MESSAGE_TOKENS;
  }

  /** Learns from one step: the characters sent and the prompt tokens Ollama counted. */
  calibrate(chars: number, messages: number, promptTokens: number): void {
    const textTokens = promptTokens - messages * PER_MESSAGE_TOKENS;
    if (textTokens < 32 || chars < 128) return; // too small a sample to learn from
    // 10 % below the measure: the next prompt's text may tokenize a little worse.
    const measured = Math.min(8, Math.max(1, (chars / textTokens) * 0.9));
    this.charsPerToken = this.calibrated ? (this.charsPerToken + measured) / 2 : measured;
    this.calibrated = true;
  }
}

export function messageChars(message: ChatMessage): number {
  return message.content.length + (message.tool_calls ? JSON.stringify(message.tool_calls).length : 0) + (message.tool_name?.length ?? 0);
}

/** Tokens kept free for the answer (and its thinking): a quarter of the window, 256-2048. */
export function answerReserve(numCtx: number): number {
  return Math.min(2048, Math.max(256, Math.floor(numCtx / 4)));
}

export type Fitted =
  | { ok: true; messages: ChatMessage[]; dropped: number; estimatedTokens: number; budget: number; chars: number }
  | { ok: false; neededTokens: number; budget: number };

/**
 * The leading messages a trimmed prompt always keeps: the system message(s) and the host's
 * note after them. Only the message right after the system prompt can be that note (the
 * history follows it), so a member's text starting with the tag is never kept for it. The
 * newest message is never counted here: it is what the step answers.
 */
function pinnedCount(messages: ChatMessage[]): number {
  let head = 0;
  while (head < messages.length && messages[head].role === 'system') head++;
  const note = messages[head];
  if (head < messages.length - 1 && note.role === 'user' && note.content.startsWith(HOST_NOTE_TAG)) head++;
  return head;
}

/**
 * Keeps the leading system message(s), the host's note, the tools and as many of the newest messages as fit
 * in num_ctx minus the answer's reserve. The newest message always stays: when even that
 * does not fit, the step cannot run, and the caller says so.
 */
export function fitToContext(messages: ChatMessage[], toolsChars: number, numCtx: number, estimate: TokenEstimate): Fitted {
  const budget = numCtx - answerReserve(numCtx);
  const head = pinnedCount(messages);
  const fixed = messages.slice(0, head);
  const rest = messages.slice(head);
  let chars = toolsChars + fixed.reduce((sum, m) => sum + messageChars(m), 0);
  let count = fixed.length;
  let start = rest.length;
  while (start > 0) {
    const next = messageChars(rest[start - 1]);
    if (start < rest.length && estimate.tokens(chars + next, count + 1) > budget) break;
    chars += next;
    count++;
    start--;
  }
  const neededTokens = estimate.tokens(chars, count);
  if (neededTokens > budget) return { ok: false, neededTokens, budget };
  // A tool result whose call was cut away means nothing to the model: drop it too.
  while (start < rest.length - 1 && rest[start].role === 'tool') {
    chars -= messageChars(rest[start]);
    count--;
    start++;
  }
  return {
    ok: true,
    messages: [...fixed, ...rest.slice(start)],
    dropped: start,
    estimatedTokens: estimate.tokens(chars, count),
    budget,
    chars,
  };
}

/**
 * The least a step can send: the system message(s), the host's note, the tools and the newest message. For a
 * process that has not measured this tokenizer yet, when the careful estimate says even
 * that does not fit: Ollama counts exactly, and with truncation off it refuses a prompt
 * that is really too long instead of cutting it.
 */
export function leastPrompt(messages: ChatMessage[], toolsChars: number, numCtx: number, estimate: TokenEstimate): Fitted & { ok: true } {
  const head = pinnedCount(messages);
  const kept = [...messages.slice(0, head), ...messages.slice(Math.max(head, messages.length - 1))];
  const chars = toolsChars + kept.reduce((sum, m) => sum + messageChars(m), 0);
  return {
    ok: true,
    messages: kept,
    dropped: messages.length - kept.length,
    estimatedTokens: estimate.tokens(chars, kept.length),
    budget: numCtx - answerReserve(numCtx),
    chars,
  };
}
