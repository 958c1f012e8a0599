// When a task runs: a cron in a time zone, a fixed interval, or once at a given time.
// What people and the model write is checked here (one schema for the tools and the CLI),
// turned into a Temporal ScheduleSpec, and described back in words.
import { MONTHS, type ScheduleSpec } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { isKnownTimeZone } from '../lib/config.js';
import { formatDuration, parseDuration } from '../lib/duration.js';
import { cronProblem, describeCron } from './cron.js';

/** The resolved form, kept in the schedule (action memo) so the task can be described and edited later. */
export type TaskWhen =
  | { kind: 'cron'; cron: string; timeZone: string }
  /**
   * offsetMs places the runs: Temporal counts intervals from the Unix epoch, so "every 1d"
   * would fire at 00:00 UTC; the offset (the creation time modulo the interval) makes it
   * fire one interval after the task was made, and every interval from then on. Tasks made
   * before the offset existed have none (epoch-aligned).
   */
  | { kind: 'every'; everyMs: number; offsetMs?: number }
  | { kind: 'once'; at: string; timeZone: string };

/** What a person or the model writes: exactly one of cron, every, at. */
export const WhenInputSchema = z.object({
  cron: z.string().trim().min(1).optional(),
  every: z.string().trim().min(1).optional(),
  at: z.string().trim().min(1).optional(),
  timeZone: z.string().trim().min(1).optional(),
});
export type WhenInput = z.infer<typeof WhenInputSchema>;

/** Temporal's schedules do not fire more often than this. */
const MIN_INTERVAL_MS = 1000;

export function taskInvalid(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'TaskInvalid');
}

/** Checks the input and resolves it; every problem is a TaskInvalid failure a person can act on. */
export function resolveWhen(raw: unknown, defaultTimeZone: string, now: Date): TaskWhen {
  const parsed = WhenInputSchema.safeParse(withoutBlanks(raw));
  if (!parsed.success) throw taskInvalid(`The schedule is not valid: ${z.prettifyError(parsed.error)}`);
  const input = parsed.data;
  // Small models fill every field: the 0.5B wrote cron "0 9 * * 1-5" with at "08:00", at
  // "2026-12-01T09:00" or at the cron again (2026-12-07). An `at` that cannot be a one-off time
  // (unreadable, or past) beside one repeat is that filling, and the repeat is the schedule;
  // a future time beside a repeat could be either, and is refused.
  const repeats = (['cron', 'every'] as const).filter((key) => input[key] !== undefined);
  const timeZone = input.timeZone ?? defaultTimeZone;
  if (repeats.length === 1 && input.at !== undefined && isKnownTimeZone(timeZone) && !isFuture(input.at, timeZone, now)) delete input.at;
  const given = (['cron', 'every', 'at'] as const).filter((key) => input[key] !== undefined);
  if (given.length !== 1) {
    throw taskInvalid(
      `Give exactly one of cron (e.g. "0 9 * * 1-5"), every (e.g. "90s", "2h") or at (e.g. "2026-12-01T09:00")${
        given.length ? `, not ${given.join(' and ')}` : ''
      }.`,
    );
  }
  if (!isKnownTimeZone(timeZone)) {
    throw taskInvalid(`"${timeZone}" is not a known time zone. Use an IANA name such as Europe/Paris, America/New_York or UTC.`);
  }
  // A repeating time in words in any field ("every weekday at 9am" as `at`, the 1.5B's, agent
  // bench 2026-12-07): what it means is plain, so it is that cron, never a refusal.
  const words = input.cron ?? input.every ?? input.at!;
  const phrase = cronFromPhrase(words);
  if (phrase) return { kind: 'cron', cron: phrase, timeZone };
  // An interval in words, as cron "every 2h" (the 1.5B's, 2026-12-07): the same plain meaning.
  const interval = intervalFromPhrase(words);
  if (interval === undefined && input.cron !== undefined) {
    const problem = cronProblem(input.cron);
    if (problem) throw taskInvalid(`Invalid cron: ${problem}.`);
    return { kind: 'cron', cron: input.cron.split(/\s+/).join(' '), timeZone };
  }
  const every = interval ?? input.every;
  if (every !== undefined) {
    const everyMs = parseDuration(every);
    if (everyMs === undefined) throw taskInvalid(`"${every}" is not a duration. Write it as 90s, 30m, 2h or 1d.`);
    if (everyMs < MIN_INTERVAL_MS) throw taskInvalid(`Every ${every} is too often: the shortest interval is 1s.`);
    return { kind: 'every', everyMs, offsetMs: now.getTime() % everyMs };
  }
  const at = parseTime(input.at!, timeZone, now);
  if (!at) {
    throw taskInvalid(
      `"${input.at}" is not a time. Write it as ISO 8601, e.g. 2026-12-01T09:00 (in ${timeZone}) or 2026-12-01T09:00:00Z, or as "in 10m"; ` +
        'for a time that repeats, give cron instead of at.',
    );
  }
  if (at.getTime() <= now.getTime()) {
    throw taskInvalid(`${formatInZone(at, timeZone)} (${timeZone}) is in the past (it is now ${formatInZone(now, timeZone)}). Give a future time, or cron if it repeats.`);
  }
  return { kind: 'once', at: at.toISOString(), timeZone };
}

/** A field left empty ("cron": "", the 1.5B's) is a field not given. */
function withoutBlanks(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  return Object.fromEntries(Object.entries(raw).filter(([, value]) => !(typeof value === 'string' && !value.trim())));
}

function isFuture(text: string, timeZone: string, now: Date): boolean {
  const at = parseTime(text, timeZone, now);
  return at !== undefined && at.getTime() > now.getTime();
}

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const PHRASE = new RegExp(
  `^(?:(?:every|each)\\s+(day|weekday|weekend(?:\\s+day)?|${WEEKDAYS.join('|')})s?|daily)\\s+at\\s+(\\d{1,2})(?::(\\d{2}))?\\s*(am|pm)?$`,
  'i',
);

/** "every weekday at 9am", "each Friday at 17:00", "daily at 7": the cron it means; undefined for anything else. */
export function cronFromPhrase(text: string): string | undefined {
  const match = PHRASE.exec(text.trim());
  if (!match) return undefined;
  const [, day = 'day', hourText, minuteText = '0', half] = match;
  let hour = Number(hourText);
  const minute = Number(minuteText);
  if (half) {
    if (hour < 1 || hour > 12) return undefined;
    hour = (hour % 12) + (half.toLowerCase() === 'pm' ? 12 : 0);
  }
  if (hour > 23 || minute > 59) return undefined;
  const which = day.toLowerCase();
  const days = which === 'day' ? '*' : which === 'weekday' ? '1-5' : which.startsWith('weekend') ? '0,6' : String(WEEKDAYS.indexOf(which));
  return `${minute} ${hour} * * ${days}`;
}

const DURATION_WORDS = '(\\d{1,4})\\s*(s|sec|seconds?|m|min|minutes?|h|hrs?|hours?|d|days?)';
const INTERVAL_PHRASE = new RegExp(`^every\\s+${DURATION_WORDS}$`, 'i');
const DELAY_PHRASE = new RegExp(`^in\\s+${DURATION_WORDS}$`, 'i');

/** A count and unit in words as a duration parseDuration reads ("2h", "30m"). */
function durationOf(match: RegExpExecArray | null): string | undefined {
  if (!match) return undefined;
  const unit = match[2].toLowerCase();
  return `${match[1]}${unit.startsWith('mi') || unit === 'm' ? 'm' : unit[0]}`;
}

/** "every 2h", "every 30 minutes": the interval it means as a duration ("2h", "30m"); undefined for anything else. */
export const intervalFromPhrase = (text: string) => durationOf(INTERVAL_PHRASE.exec(text.trim()));

/**
 * "in 10 minutes", "in 2h" as `at`: that long after now, by the host's clock. The model's
 * own now is the latest time the conversation shows, up to 5 minutes old (turn-context's
 * sentNote), so "remind me in 5 minutes" counted from it could already be past.
 */
export const delayFromPhrase = (text: string) => durationOf(DELAY_PHRASE.exec(text.trim()));

export function scheduleSpecOf(when: TaskWhen): ScheduleSpec {
  switch (when.kind) {
    case 'cron':
      return { cronExpressions: [when.cron], timezone: when.timeZone };
    case 'every':
      return { intervals: [{ every: when.everyMs, ...(when.offsetMs ? { offset: when.offsetMs } : {}) }] };
    case 'once': {
      const at = new Date(when.at);
      return {
        calendars: [
          {
            year: at.getUTCFullYear(),
            month: MONTHS[at.getUTCMonth()],
            dayOfMonth: at.getUTCDate(),
            hour: at.getUTCHours(),
            minute: at.getUTCMinutes(),
            second: at.getUTCSeconds(),
          },
        ],
        timezone: 'UTC',
      };
    }
  }
}

/** A one-shot runs once and then stays listed (done) until removed. */
export function remainingActionsOf(when: TaskWhen): number | undefined {
  return when.kind === 'once' ? 1 : undefined;
}

/**
 * How late a missed run may still start after an outage. Long enough that an outage of
 * minutes still runs the task once (overlap SKIP turns a backlog into one run), short
 * enough that a task missed hours ago does not fire out of context: one interval (1 min to
 * 1 h) for an interval task, an hour for a cron, a day for a one-shot (it has no next time).
 */
export function catchupWindowMs(when: TaskWhen): number {
  switch (when.kind) {
    case 'every':
      return Math.min(Math.max(when.everyMs, 60_000), 3_600_000);
    case 'cron':
      return 3_600_000;
    case 'once':
      return 86_400_000;
  }
}

export function describeWhen(when: TaskWhen): string {
  switch (when.kind) {
    case 'cron':
      return `${describeCron(when.cron)} (${when.timeZone})`;
    case 'every':
      return `every ${formatDuration(when.everyMs)}`;
    case 'once':
      return `once at ${formatInZone(new Date(when.at), when.timeZone)} (${when.timeZone})`;
  }
}

/** "2026-12-01 09:00" as the clock on the wall in that zone reads. */
export function formatInZone(date: Date, timeZone: string): string {
  const part = wallClock(date, timeZone);
  const pad = (n: number) => String(n).padStart(2, '0');
  const seconds = part.second ? `:${pad(part.second)}` : '';
  return `${part.year}-${pad(part.month)}-${pad(part.day)} ${pad(part.hour)}:${pad(part.minute)}${seconds}`;
}

function wallClock(date: Date, timeZone: string) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(date);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** ISO 8601 (a time without an offset is read as the wall clock of timeZone), or "in 10m" after now. */
function parseTime(text: string, timeZone: string, now: Date): Date | undefined {
  const delay = delayFromPhrase(text);
  if (delay !== undefined) {
    const ms = parseDuration(delay);
    return ms === undefined ? undefined : new Date(now.getTime() + ms);
  }
  const match = ISO_TIME.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, offset] = match;
  const fields = [y, mo, d, h, mi, s ?? '0'].map(Number);
  const wallAsUtc = Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5]);
  // Date.UTC rolls 2026-02-31 over into March; a person who wrote that meant something else.
  const check = new Date(wallAsUtc);
  if (check.getUTCMonth() !== fields[1] - 1 || check.getUTCDate() !== fields[2] || fields[3] > 23) return undefined;
  if (offset) {
    const parsed = new Date(text.trim().replace(' ', 'T'));
    return Number.isNaN(parsed.getTime()) ? undefined : parsed;
  }
  // The zone's offset at that moment, applied twice so a time near a DST change lands right.
  let utc = wallAsUtc - zoneOffsetMs(new Date(wallAsUtc), timeZone);
  utc = wallAsUtc - zoneOffsetMs(new Date(utc), timeZone);
  return new Date(utc);
}

function zoneOffsetMs(date: Date, timeZone: string): number {
  const w = wallClock(date, timeZone);
  const wallMs = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return wallMs - Math.floor(date.getTime() / 1000) * 1000;
}
