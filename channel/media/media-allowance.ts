// How much media a group's members may bring in: at most MEDIA_GROUP_RATE files an hour
// and MEDIA_GROUP_QUOTA bytes a day, checked before anything is downloaded. A stranger's
// group could otherwise fill the disk and keep the host downloading and decoding all day;
// the counts come from the store (what was saved or tried), so a restart forgets nothing.
// Main, the owner's own chat, has no allowance.
import type { Store } from '../../lib/store/store.js';
import { sizeText } from './media-text.js';

export interface MediaAllowanceLimits {
  /** MEDIA_GROUP_RATE: files downloaded (or tried) per group per hour. */
  filesPerHour: number;
  /** MEDIA_GROUP_QUOTA: bytes saved per group per day. */
  bytesPerDay: number;
}

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

/** The `refusal` of IngestDeps: why `folder` may not take in a file now, or undefined. */
export function mediaAllowance(store: Store, limits: MediaAllowanceLimits, now: () => number = Date.now) {
  return (folder: string, declaredBytes: number | undefined): string | undefined => {
    if (store.groupByFolder(folder)?.isMain) return undefined;
    const at = now();
    const lastHour = store.mediaSince(folder, new Date(at - HOUR_MS).toISOString());
    if (lastHour.files >= limits.filesPerHour) {
      return `this group already sent ${lastHour.files} files in the last hour, its limit (MEDIA_GROUP_RATE)`;
    }
    const lastDay = store.mediaSince(folder, new Date(at - DAY_MS).toISOString());
    if (lastDay.bytes + (declaredBytes ?? 0) > limits.bytesPerDay) {
      return `this group's files of the last 24 hours would pass its ${sizeText(limits.bytesPerDay)} (MEDIA_GROUP_QUOTA)`;
    }
    return undefined;
  };
}
