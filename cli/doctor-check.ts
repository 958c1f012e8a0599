// The shape of one `babybot doctor` check (lib/checks.ts's, given the configuration and
// doctor's flags), in a file of its own so the checks kept beside doctor.ts import it
// without importing doctor itself.
import type { Check } from '../lib/checks.js';
import type { Config } from '../lib/config.js';

export interface DoctorFlags {
  pull?: boolean;
  /**
   * BabyBot's own Ollama, when `babybot start` would run one (nothing answers at the default
   * OLLAMA_HOST): doctor runs it for its checks, or says why it cannot.
   */
  embeddedOllama?: { running: boolean; detail: string; fix?: string };
}

export type DoctorCheck = Check<[config: Config, flags: DoctorFlags]>;
