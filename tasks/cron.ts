// Five-field cron expressions (minute hour day-of-month month day-of-week), checked here
// before they reach Temporal so a typo gets an answer that says which field is wrong, and
// described in words for `babybot tasks list`.

interface Field {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] as const;
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const DAY_WORDS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  // Names map to their 1-based place in the list.
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES },
  // 7 is Sunday as well, as in most crons.
  { name: 'day of week', min: 0, max: 7, names: DAY_NAMES },
];

/** Why the expression is not a valid cron, or undefined when it is. */
export function cronProblem(expression: string): string | undefined {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) {
    return `"${expression}" has ${parts.length} field${parts.length === 1 ? '' : 's'}; a cron has 5: minute hour day-of-month month day-of-week (e.g. "0 9 * * 1-5")`;
  }
  for (const [index, part] of parts.entries()) {
    const problem = fieldProblem(part, FIELDS[index]);
    if (problem) return `"${expression}": the ${FIELDS[index].name} field ${problem}`;
  }
  return undefined;
}

function fieldProblem(text: string, field: Field): string | undefined {
  for (const item of text.split(',')) {
    const [range, step, ...extra] = item.split('/');
    if (extra.length > 0 || (step !== undefined && !/^[1-9]\d*$/.test(step))) {
      return `"${text}" has a bad step (write */15 or 1-30/5)`;
    }
    if (range === '*') continue;
    const bounds = range.split('-');
    if (bounds.length > 2) return `"${text}" is not a value, a range a-b, a list a,b or a step */n`;
    const values = bounds.map((bound) => valueOf(bound, field));
    if (values.some((value) => value === undefined)) {
      return `"${text}" is not within ${field.min}-${field.max}${field.names ? ` (or ${field.names[0]}…${field.names.at(-1)})` : ''}`;
    }
    if (values.length === 2 && values[0]! > values[1]!) return `"${text}" is a range that ends before it starts`;
  }
  return undefined;
}

function valueOf(text: string, field: Field): number | undefined {
  const named = field.names?.indexOf(text.toLowerCase() as never) ?? -1;
  if (named >= 0) return field.name === 'month' ? named + 1 : named;
  if (!/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= field.min && value <= field.max ? value : undefined;
}

/** "every weekday at 09:00", "every 15 minutes"; the expression itself when no phrase fits. */
export function describeCron(expression: string): string {
  const [minute, hour, dayOfMonth, month, dayOfWeek] = expression.trim().split(/\s+/);
  const everyMinutes = /^\*\/(\d+)$/.exec(minute);
  if (everyMinutes && hour === '*' && dayOfMonth === '*' && month === '*' && dayOfWeek === '*') {
    return `every ${everyMinutes[1]} minutes`;
  }
  if (/^\d+$/.test(minute) && hour === '*' && dayOfMonth === '*' && month === '*' && dayOfWeek === '*') {
    return `every hour at minute ${minute}`;
  }
  if (!/^\d+$/.test(minute) || !/^\d+$/.test(hour) || month !== '*') return `cron "${expression.trim()}"`;
  const at = `at ${hour.padStart(2, '0')}:${minute.padStart(2, '0')}`;
  if (dayOfMonth === '*' && dayOfWeek === '*') return `every day ${at}`;
  if (dayOfMonth === '*' && /^(1-5|mon-fri)$/i.test(dayOfWeek)) return `every weekday ${at}`;
  if (dayOfMonth === '*') {
    const days = dayOfWeek.split(',').map((day) => dayWord(day));
    if (days.every(Boolean)) return `every ${days.join(', ')} ${at}`;
  }
  if (/^\d+$/.test(dayOfMonth) && dayOfWeek === '*') return `on day ${dayOfMonth} of every month ${at}`;
  return `cron "${expression.trim()}"`;
}

function dayWord(text: string): string | undefined {
  const index = /^\d$/.test(text) ? Number(text) % 7 : DAY_NAMES.indexOf(text.toLowerCase() as never);
  return index >= 0 && index <= 6 ? DAY_WORDS[index] : undefined;
}

/** The values a field names ("*\/15" -> 0, 15, 30, 45), for a valid field. */
function expandField(text: string, field: Field): number[] {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const [range, step] = item.split('/');
    let low = field.min;
    let high = field.max;
    if (range !== '*') {
      const bounds = range.split('-').map((bound) => valueOf(bound, field)!);
      low = bounds[0];
      // "5/15" runs from 5 to the end; a plain "5" only at 5.
      high = bounds[1] ?? (step ? field.max : bounds[0]);
    }
    for (let v = low; v <= high; v += Number(step ?? 1)) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

/**
 * The shortest time between two runs of a valid cron, at most a day: from the minutes and
 * hours it names (days only make gaps longer, so this is a lower bound, as a floor needs).
 */
export function cronShortestGapMs(expression: string): number {
  const [minutes, hours] = expression.trim().split(/\s+/);
  const times = expandField(hours, FIELDS[1]).flatMap((h) => expandField(minutes, FIELDS[0]).map((m) => h * 60 + m));
  let gap = 24 * 60 - times.at(-1)! + times[0];
  for (let i = 1; i < times.length; i++) gap = Math.min(gap, times[i] - times[i - 1]);
  return gap * 60_000;
}
