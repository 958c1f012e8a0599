import { describe, expect, it } from 'vitest';
import { cronProblem, describeCron } from '../../tasks/cron.js';
import { catchupWindowMs, cronFromPhrase, delayFromPhrase, describeWhen, intervalFromPhrase, resolveWhen, scheduleSpecOf } from '../../tasks/task-when.js';

const NOW = new Date('2026-03-20T12:00:00Z');

describe('when a task runs', () => {
  it('describes common crons in words', () => {
    expect(describeCron('0 9 * * 1-5')).toBe('every weekday at 09:00');
    expect(describeCron('30 7 * * *')).toBe('every day at 07:30');
    expect(describeCron('0 18 * * sun,3')).toBe('every Sunday, Wednesday at 18:00');
    expect(describeCron('*/15 * * * *')).toBe('every 15 minutes');
    expect(describeCron('0 9 1 * *')).toBe('on day 1 of every month at 09:00');
    expect(describeCron('0 9 * 1 *')).toBe('cron "0 9 * 1 *"');
  });

  it('says which cron field is wrong', () => {
    expect(cronProblem('0 9 * *')).toMatch(/has 4 fields; a cron has 5/);
    expect(cronProblem('0 25 * * *')).toMatch(/the hour field "25" is not within 0-23/);
    expect(cronProblem('0 9 * * mon-fri/0')).toMatch(/day of week field .* bad step/);
    expect(cronProblem('0 9 * * 5-1')).toMatch(/ends before it starts/);
    expect(cronProblem('0 9 * jan-mar */2')).toBeUndefined();
  });

  it('reads a one-shot time without an offset on the task zone clock, across a DST change', () => {
    // Paris moves to summer time on 2026-03-29: 09:00 is 08:00 UTC before and 07:00 UTC after.
    const before = resolveWhen({ at: '2026-03-28T09:00', timeZone: 'Europe/Paris' }, 'UTC', NOW);
    const after = resolveWhen({ at: '2026-03-30 09:00', timeZone: 'Europe/Paris' }, 'UTC', NOW);
    expect(before).toEqual({ kind: 'once', at: '2026-03-28T08:00:00.000Z', timeZone: 'Europe/Paris' });
    expect(after).toMatchObject({ at: '2026-03-30T07:00:00.000Z' });
    expect(describeWhen(after)).toBe('once at 2026-03-30 09:00 (Europe/Paris)');
    expect(scheduleSpecOf(after)).toEqual({
      calendars: [{ year: 2026, month: 'MARCH', dayOfMonth: 30, hour: 7, minute: 0, second: 0 }],
      timezone: 'UTC',
    });
    expect(resolveWhen({ at: '2026-04-01T09:00:00+02:00' }, 'UTC', NOW)).toMatchObject({ at: '2026-04-01T07:00:00.000Z' });
    expect(() => resolveWhen({ at: '2026-02-31T09:00' }, 'UTC', NOW)).toThrow(/is not a time/);
  });

  it('reads a repeating time written in words, in whichever field the model put it, as its cron', () => {
    expect(resolveWhen({ at: 'every weekday at 9am' }, 'UTC', NOW)).toEqual({ kind: 'cron', cron: '0 9 * * 1-5', timeZone: 'UTC' });
    expect(resolveWhen({ every: 'each Friday at 17:00', timeZone: 'Europe/Paris' }, 'UTC', NOW)).toEqual({ kind: 'cron', cron: '0 17 * * 5', timeZone: 'Europe/Paris' });
    expect(cronFromPhrase('daily at 7')).toBe('0 7 * * *');
    expect(cronFromPhrase('every day at 12:30pm')).toBe('30 12 * * *');
    expect(cronFromPhrase('every Mondays at 12am')).toBe('0 0 * * 1');
    expect(cronFromPhrase('every weekend at 10:15')).toBe('15 10 * * 0,6');
    for (const text of ['every weekday at 13pm', 'every day at 24', 'every fortnight at 9', 'tomorrow at 9', '2026-12-01T09:00']) expect(cronFromPhrase(text)).toBeUndefined();
    expect(() => resolveWhen({ at: 'every other week' }, 'UTC', NOW)).toThrow(/not a time[\s\S]*give cron instead of at/);
  });

  it('reads an interval written in words, in whichever field the model put it, as that interval', () => {
    expect(resolveWhen({ cron: 'every 2h' }, 'UTC', NOW)).toMatchObject({ kind: 'every', everyMs: 7_200_000 });
    expect(resolveWhen({ at: 'every 30 minutes' }, 'UTC', NOW)).toMatchObject({ kind: 'every', everyMs: 1_800_000 });
    expect(resolveWhen({ every: 'Every 1 day' }, 'UTC', NOW)).toMatchObject({ kind: 'every', everyMs: 86_400_000 });
    expect(intervalFromPhrase('every 90 sec')).toBe('90s');
    for (const text of ['every 2 weeks', 'every hour', 'every 2h and 5m', '2h']) expect(intervalFromPhrase(text)).toBeUndefined();
    expect(() => resolveWhen({ cron: 'every hour' }, 'UTC', NOW)).toThrow(/Invalid cron/);
  });

  it('reads "in 10 minutes" as at from the host\'s now (the model\'s latest shown time may be minutes old)', () => {
    const once = (at: string) => resolveWhen({ at }, 'Europe/Paris', NOW);
    expect(once('in 10 minutes')).toEqual({ kind: 'once', at: new Date(NOW.getTime() + 600_000).toISOString(), timeZone: 'Europe/Paris' });
    expect(once('In 2h')).toMatchObject({ at: new Date(NOW.getTime() + 7_200_000).toISOString() });
    expect(delayFromPhrase('in 90 sec')).toBe('90s');
    for (const text of ['in a minute', 'in 2 weeks', '10m', 'within 5m']) expect(delayFromPhrase(text)).toBeUndefined();
    expect(() => once('in a minute')).toThrow(/"in a minute" is not a time/);
  });

  it("takes the repeat when a small model also filled at with what cannot be a one-off time; refuses a future one beside it", () => {
    const weekdays = { kind: 'cron', cron: '0 9 * * 1-5', timeZone: 'UTC' };
    for (const at of ['08:00', '2026-03-01T09:00', '0 9 * * 1-5', '']) expect(resolveWhen({ cron: '0 9 * * 1-5', at }, 'UTC', NOW)).toEqual(weekdays);
    expect(resolveWhen({ cron: '', every: '2h', at: 'soon' }, 'UTC', NOW)).toMatchObject({ kind: 'every', everyMs: 7_200_000 });
    expect(() => resolveWhen({ cron: '0 9 * * 1-5', at: '2026-04-01T09:00' }, 'UTC', NOW)).toThrow(/Give exactly one of cron .*, not cron and at/);
    expect(() => resolveWhen({ cron: '0 9 * * *', every: '1h', at: '08:00' }, 'UTC', NOW)).toThrow(/not cron and every and at/);
    expect(() => resolveWhen({ cron: '', at: ' ' }, 'UTC', NOW)).toThrow(/Give exactly one of cron/);
  });

  it('fits the catch-up window to the kind of schedule', () => {
    expect(catchupWindowMs({ kind: 'every', everyMs: 5000 })).toBe(60_000);
    expect(catchupWindowMs({ kind: 'every', everyMs: 20 * 60_000 })).toBe(20 * 60_000);
    expect(catchupWindowMs({ kind: 'every', everyMs: 86_400_000 })).toBe(3_600_000);
    expect(catchupWindowMs({ kind: 'cron', cron: '0 9 * * *', timeZone: 'UTC' })).toBe(3_600_000);
  });

  it('refuses an interval under a second and a duration it cannot read', () => {
    expect(() => resolveWhen({ every: '500ms' }, 'UTC', NOW)).toThrow(/too often/);
    expect(() => resolveWhen({ every: 'often' }, 'UTC', NOW)).toThrow(/"often" is not a duration/);
    expect(describeWhen(resolveWhen({ every: '90s' }, 'UTC', NOW))).toBe('every 1m 30s');
  });
});
