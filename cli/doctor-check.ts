// The shape of one `babybot doctor` check (lib/checks.ts's, given the configuration and
// doctor's flags), in a file of its own so the checks kept beside doctor.ts import it
// without importing doctor itself.
import type { Check } from '../lib/checks.js';
import type { Config } from '../lib/config.js';

export interface DoctorFlags {
  pull?: boolean;
}

export type DoctorCheck = Check<[config: Config, flags: DoctorFlags]>;
