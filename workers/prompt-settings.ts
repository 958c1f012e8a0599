// What the model's prompt is built from, read from the config in one place: the turns'
// context (composition-root) and the warm-up at start (model-start) must build the same
// system prompt, byte for byte, or the warm-up would fill Ollama's cache with a prefix no
// turn shares.
import { skillsSection } from '../container/skills.js';
import type { PromptSettings } from '../activities/turn-context.js';
import type { Config } from '../lib/config.js';

export function promptSettings(config: Config): PromptSettings {
  return {
    assistantName: config.ASSISTANT_NAME,
    groupsDir: config.groupsDir,
    timeZone: config.timeZone,
    contextMessages: config.CONTEXT_MESSAGES,
    extraSections: () => [skillsSection(config.skillsDir)],
  };
}
