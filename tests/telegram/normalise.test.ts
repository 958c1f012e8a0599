// The Telegram channel's rules for what arrives, without a server: every field of an update is
// the sender's word (bounded, checked), triggers come from the platform's own marks, a file's
// path from getFile may lead only to the API root's file host, and the token is cut out of any
// text that may have met a URL.
import { describe, expect, it } from 'vitest';
import { redactor } from '../../channel/telegram/bot-api.js';
import { fileUrl, safeFilePath } from '../../channel/telegram/file-download.js';
import { normaliseUpdate } from '../../channel/telegram/normalise.js';
import { ALICE, BOT_ID, BOT_USERNAME, FAMILY, TOKEN } from './support/bot-api-stand-in.js';

const self = { id: BOT_ID, username: BOT_USERNAME };
const update = (message: Record<string, unknown>) => ({ update_id: 1, message: { message_id: 5, date: 1_700_000_000, chat: FAMILY, from: ALICE, ...message } }) as never;
const normalised = (message: Record<string, unknown>, maxBytes = 1_000_000) => {
  const result = normaliseUpdate(update(message), self, maxBytes);
  if (!result.ok) throw new Error(`skipped: ${result.skip}`);
  return result;
};

describe('Telegram updates, normalised', () => {
  it('names the chat, the sender and the message as the shared path expects', () => {
    const { message } = normalised({ text: 'hello' });
    expect(message).toMatchObject({
      channel: 'telegram',
      chat: `telegram:${FAMILY.id}`,
      id: '5',
      sender: `telegram:${ALICE.id}`,
      senderName: 'Alice',
      text: 'hello',
      isGroupChat: true,
      chatName: 'Family',
      timestamp: '2023-11-14T22:13:20.000Z',
      addressed: false,
    });
  });

  it('is addressed by @botusername (any case), a text mention of the bot, or a reply to the bot; not by another bot', () => {
    expect(normalised({ text: `hi @${BOT_USERNAME.toUpperCase()}!` }).message.addressed).toBe(true);
    expect(normalised({ text: 'hi you', entities: [{ type: 'text_mention', offset: 3, length: 3, user: { id: BOT_ID } }] }).message.addressed).toBe(true);
    expect(normalised({ text: 'ok', reply_to_message: { message_id: 1, date: 1, chat: FAMILY, from: { id: BOT_ID }, text: 'earlier' } }).message).toMatchObject({
      addressed: true,
      text: '(replying to: earlier) ok',
    });
    expect(normalised({ text: `hi @${BOT_USERNAME}x and @other_bot` }).message.addressed).toBe(false);
    expect(normalised({ text: 'ok', reply_to_message: { message_id: 1, date: 1, chat: FAMILY, from: ALICE, text: 'earlier' } }).message.addressed).toBe(false);
  });

  it('reads /status@botusername as /status, and leaves a command for another bot alone', () => {
    expect(normalised({ text: `/status@${BOT_USERNAME} now` }).message.text).toBe('/status now');
    expect(normalised({ text: '/status@other_bot' }).message.text).toBe('/status@other_bot');
  });

  it("bounds what the sender controls: text, names, file names, MIME types, sizes and durations", () => {
    const { message, media } = normalised({
      from: { id: 9, first_name: `Mal\nlory${'x'.repeat(500)}` },
      caption: 'y'.repeat(20_000),
      document: { file_id: 'DOC', file_unique_id: 'u', file_name: `../../${'z'.repeat(300)}\u0000.pdf`, mime_type: 'text/html; evil', file_size: -5 },
    });
    expect(message.text.length).toBeLessThanOrEqual(8193);
    expect(message.senderName!.length).toBeLessThanOrEqual(101);
    expect(message.senderName).not.toContain('\n');
    expect(media).toMatchObject({ kind: 'document', fileId: 'DOC', mime: 'application/octet-stream' });
    expect(media!.fileName!.length).toBeLessThanOrEqual(101);
    expect(media!.fileName).not.toContain('\u0000');
    expect(media!.declaredBytes).toBeUndefined();
    const voice = normalised({ voice: { file_id: 'V', file_unique_id: 'u', duration: 1e12, file_size: 2 ** 60 } }).media;
    expect(voice).toEqual({ fileId: 'V', kind: 'voice', mime: 'audio/ogg' });
    // A file id that is not Telegram's shape is no media at all (and so no getFile).
    expect(normaliseUpdate(update({ voice: { file_id: '../x?y', duration: 3 } }), self, 1000)).toEqual({ ok: false, skip: 'no-text' });
  });

  it('takes the largest photo size within the limit', () => {
    const photo = [
      { file_id: 'S', file_unique_id: 's', width: 90, height: 90, file_size: 1_000 },
      { file_id: 'L', file_unique_id: 'l', width: 1280, height: 1280, file_size: 900_000 },
      { file_id: 'M', file_unique_id: 'm', width: 320, height: 320, file_size: 20_000 },
    ];
    expect(normalised({ photo }, 1_000_000).media?.fileId).toBe('L');
    expect(normalised({ photo }, 100_000).media?.fileId).toBe('M');
  });

  it('skips what is not a new message', () => {
    expect(normaliseUpdate({ update_id: 1, edited_message: {} } as never, self, 1000)).toEqual({ ok: false, skip: 'not-a-message' });
    expect(normaliseUpdate(update({ from: { id: BOT_ID }, text: 'mine' }), self, 1000)).toEqual({ ok: false, skip: 'own-send' });
    expect(normaliseUpdate(update({ new_chat_members: [ALICE] }), self, 1000)).toEqual({ ok: false, skip: 'no-text' });
  });
});

describe("a Telegram file's path", () => {
  const root = 'https://api.telegram.org';
  it('is a plain relative path, or nothing is fetched', () => {
    expect(safeFilePath('photos/file_1.jpg')).toBe('photos/file_1.jpg');
    for (const bad of ['../etc/passwd', 'photos/../../x', '/abs/path', 'http://evil/x', '//evil/x', 'a\\b', 'a b', '.', 'x'.repeat(300), 42, undefined]) {
      expect(safeFilePath(bad), String(bad)).toBeUndefined();
    }
  });
  it("leads only to the API root's /file/bot<token>/ folder", () => {
    expect(fileUrl(root, TOKEN, 'photos/file_1.jpg')?.href).toBe(`${root}/file/bot${TOKEN}/photos/file_1.jpg`);
    expect(fileUrl('http://127.0.0.1:8081/tg/', TOKEN, 'voice/a.oga')?.href).toBe(`http://127.0.0.1:8081/tg/file/bot${TOKEN}/voice/a.oga`);
  });
});

describe('the token in texts', () => {
  it('is cut out, also from a URL path', () => {
    const redact = redactor(TOKEN);
    expect(redact(`request to http://host/bot${TOKEN}/getUpdates failed`)).toBe('request to http://host/bot<token>/getUpdates failed');
    expect(redact(`token ${TOKEN} leaked`)).not.toContain(TOKEN);
    expect(redact('http://host/botSOMETHING/x')).toBe('http://host/bot<token>/x');
  });
});
