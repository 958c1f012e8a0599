// Real answers of Qwen2.5-Coder-Instruct (Q4_K_M, scripts/components/qwen-coder.Modelfile:
// the template Ollama's library ships, temperature 0, seed 42), captured with BabyBot's
// system prompt and tool definitions for a non-main group. `content` is Ollama's
// message.content byte for byte; its tool_calls were empty in every sample.
import type { ContentCallForm } from '../../contracts/types.js';

export interface CapturedOutput {
  model: string;
  request: string;
  content: string;
  expect: 'answer' | { form: ContentCallForm; calls: string[] };
}

export const CAPTURED: CapturedOutput[] = [];
