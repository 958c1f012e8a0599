import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { DisconnectReason } from '../../channel/whatsapp/baileys.js';
import { Backoff, classifyDisconnect } from '../../channel/whatsapp/connection-state.js';
import { isLinked } from '../../channel/whatsapp/auth-state.js';
import { startAdapter, settle } from './support/adapter.js';
import { ManualClock } from './support/manual-clock.js';
import { OWNER_JID } from './support/fake-whatsapp.js';

describe('WhatsApp disconnect reasons', () => {
  it('maps each reason to its next state: reconnect now, with backoff, or stop with its own message', () => {
    const outcome = (code?: number) => classifyDisconnect(code === undefined ? new Error('socket hang up') : Object.assign(new Error('x'), { output: { statusCode: code } }));
    expect(outcome(DisconnectReason.loggedOut)).toMatchObject({ reconnect: 'stop', status: 'logged-out', clearAuth: true });
    expect(outcome(DisconnectReason.connectionReplaced)).toMatchObject({ reconnect: 'stop', status: 'replaced' });
    expect(outcome(DisconnectReason.badSession)).toMatchObject({ reconnect: 'stop', status: 'bad-session' });
    expect(outcome(DisconnectReason.forbidden)).toMatchObject({ reconnect: 'stop', status: 'forbidden' });
    expect(outcome(DisconnectReason.restartRequired)).toMatchObject({ reconnect: 'now' });
    for (const code of [DisconnectReason.connectionLost, DisconnectReason.connectionClosed, DisconnectReason.unavailableService, undefined]) {
      expect(outcome(code)).toMatchObject({ reconnect: 'backoff', status: 'reconnecting' });
    }
    const messages = [401, 440, 500, 403].map((code) => outcome(code).message);
    expect(new Set(messages).size).toBe(4);
    expect(outcome(401).message).toContain('babybot whatsapp link');
    expect(outcome(440).message).toContain('Stop the other BabyBot');
    expect(outcome(500).message).toContain('babybot whatsapp logout');
  });

  it('backs off exponentially with jitter, up to a cap', () => {
    const low = new Backoff({ baseMs: 1000, maxMs: 60_000, random: () => 0 });
    const high = new Backoff({ baseMs: 1000, maxMs: 60_000, random: () => 1 });
    const lows = Array.from({ length: 9 }, () => low.next());
    const highs = Array.from({ length: 9 }, () => high.next());
    expect(lows).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(highs).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
  });
});

describe('WhatsApp connection states (adapter with a manual clock)', () => {
  function setup() {
    const clock = new ManualClock();
    const adapter = startAdapter({ clock, backoff: { baseMs: 1000, maxMs: 30_000, random: () => 0.5 }, stableAfterMs: 60_000 });
    return { ...adapter, clock };
  }

  it('reconnects after connection losses with growing delays, and afresh after a stable connection', async () => {
    const { whatsapp, channel, clock } = setup();
    (await whatsapp.socketCount(1)).open();
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      whatsapp.current.close(DisconnectReason.connectionLost);
      expect(channel.health().status).toBe('reconnecting');
      delays.push(clock.runNext());
      await whatsapp.socketCount(i + 2);
      expect(channel.health().status).toBe('connecting');
    }
    expect(delays).toEqual([750, 1500, 3000, 6000, 12000, 22500]);
    // No crash loop: one socket per scheduled attempt, and never two timers at once.
    expect(whatsapp.sockets).toHaveLength(7);
    expect(clock.timers).toHaveLength(0);

    whatsapp.current.open();
    clock.time += 61_000;
    whatsapp.current.close(DisconnectReason.timedOut);
    expect(clock.runNext()).toBe(750);
    await channel.stop();
  });

  it('a drop right after opening does not reset the backoff (flapping connections slow down)', async () => {
    const { whatsapp, channel, clock } = setup();
    (await whatsapp.socketCount(1)).open();
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      whatsapp.current.close(DisconnectReason.connectionClosed);
      delays.push(clock.runNext());
      (await whatsapp.socketCount(i + 2)).open();
    }
    expect(delays).toEqual([750, 1500, 3000, 6000]);
    await channel.stop();
  });

  it('restart required (515) reconnects at once; a second one in a row waits', async () => {
    const { whatsapp, channel, clock } = setup();
    await whatsapp.socketCount(1);
    whatsapp.current.close(DisconnectReason.restartRequired);
    expect(clock.runNext()).toBe(0);
    await whatsapp.socketCount(2);
    whatsapp.current.close(DisconnectReason.restartRequired);
    expect(clock.runNext()).toBe(750);
    await channel.stop();
  });

  it.each([
    [DisconnectReason.loggedOut, 'logged-out'],
    [DisconnectReason.connectionReplaced, 'replaced'],
    [DisconnectReason.badSession, 'bad-session'],
  ])('code %i stops in state %s with its message, and does not reconnect', async (code, status) => {
    const { whatsapp, channel, clock, store } = setup();
    (await whatsapp.socketCount(1)).open();
    whatsapp.current.close(code);
    expect(channel.health()).toMatchObject({ status, ok: false });
    expect(channel.health().detail).toContain(String(code));
    expect(clock.timers).toHaveLength(0);
    await settle();
    expect(whatsapp.sockets).toHaveLength(1);
    // Logged out: the dead credentials are forgotten, so WHATSAPP_ENABLED=auto stops trying them.
    expect(isLinked(store)).toBe(code !== DisconnectReason.loggedOut);
    await channel.stop();
  });

  it('a send while disconnected fails retryably (Temporal retries the delivery), and works once open again', async () => {
    const { whatsapp, channel, clock } = setup();
    (await whatsapp.socketCount(1)).open();
    whatsapp.current.close(DisconnectReason.connectionLost);
    const error = await channel.send(OWNER_JID, 'hello', 'BB0000000000000000A1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: 'WhatsAppDisconnected', nonRetryable: false });
    clock.runNext();
    (await whatsapp.socketCount(2)).open();
    await channel.send(OWNER_JID, 'hello', 'BB0000000000000000A1');
    expect(whatsapp.current.sent).toEqual([{ jid: OWNER_JID, text: 'hello', messageId: 'BB0000000000000000A1' }]);
    await channel.stop();
  });

  it('a socket that cannot even be made (factory throws) counts as a drop and is retried with backoff', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const adapter = startAdapter({
      clock,
      backoff: { baseMs: 1000, random: () => 0 },
      socketFactory: async () => {
        calls++;
        throw new Error('getaddrinfo ENOTFOUND web.whatsapp.com');
      },
    });
    await settle();
    expect(adapter.channel.health().status).toBe('reconnecting');
    expect(adapter.channel.health().detail).toContain('ENOTFOUND');
    expect(clock.runNext()).toBe(500);
    await settle();
    expect(calls).toBe(2);
    await adapter.channel.stop();
  });
});
