// What the configured model can do, read from Ollama's /api/show rather than assumed: its
// capabilities (tools, thinking, vision) and its own context length. Read at start (the
// log and the owner's notice), by `babybot doctor`, and by the model step before it asks.
import type { Ollama } from 'ollama';

export interface ModelInfo {
  model: string;
  capabilities: string[];
  tools: boolean;
  thinking: boolean;
  vision: boolean;
  /** The model's own context length (from its GGUF), when Ollama reports it. */
  contextLength?: number;
}

/**
 * The default context window when OLLAMA_NUM_CTX is not set: the model's own, capped. Many
 * models declare 32k-128k, whose KV cache a CPU-only laptop cannot hold next to a 7B model;
 * 8k holds BabyBot's system prompt and tools (~3k tokens) plus a real conversation.
 */
export const NUM_CTX_CAP = 8192;
const NUM_CTX_UNKNOWN = 4096;

/** Models known to call tools in Ollama, for the message that says which model would. */
export const TOOL_MODELS_HINT = 'qwen2.5:7b or llama3.1:8b';

export async function readModelInfo(ollama: Ollama, model: string): Promise<ModelInfo> {
  const show = await ollama.show({ model });
  const capabilities = show.capabilities ?? [];
  // model_info is a plain JSON object on the wire (typed as a Map by ollama-js).
  const info = (show.model_info ?? {}) as unknown as Record<string, unknown>;
  const arch = info['general.architecture'];
  const length = typeof arch === 'string' ? info[`${arch}.context_length`] : undefined;
  return {
    model,
    capabilities,
    tools: capabilities.includes('tools'),
    thinking: capabilities.includes('thinking'),
    vision: capabilities.includes('vision'),
    contextLength: typeof length === 'number' && length > 0 ? length : undefined,
  };
}

/** The num_ctx every step sends: OLLAMA_NUM_CTX, else the model's own capped at NUM_CTX_CAP. */
export function numCtxFor(info: Pick<ModelInfo, 'contextLength'>, configured?: number): number {
  if (configured) return configured;
  return Math.min(info.contextLength ?? NUM_CTX_UNKNOWN, NUM_CTX_CAP);
}

/** One line for logs and doctor: "tools, no thinking, no vision; context 8192, num_ctx 8192". */
export function describeModel(info: ModelInfo, numCtx: number): string {
  const flag = (on: boolean, name: string) => (on ? name : `no ${name}`);
  return (
    `${flag(info.tools, 'tools')}, ${flag(info.thinking, 'thinking')}, ${flag(info.vision, 'vision')}; ` +
    `context ${info.contextLength ?? 'unknown'}, num_ctx ${numCtx}`
  );
}

/** What the owner is told (once per model) when the model cannot call tools. */
export function noToolsNotice(model: string): string {
  return (
    `Note: the model ${model} cannot call tools (Ollama does not report the "tools" capability for it), ` +
    'so I will chat, but I cannot run commands, send messages or manage tasks. ' +
    `For tools, set OLLAMA_MODEL to a model that has them, for example ${TOOL_MODELS_HINT}.`
  );
}
