// Photos reach the model as Ollama's `images` when the model has the vision capability:
// a real JPEG (2400×1600, with EXIF) is uploaded through the web chat, the history carries
// only its path and size, and the model step loads it, shrinks it within the budget and
// strips its metadata. The stand-in checks what it received (format, size, no EXIF).
// Without vision the model is told "[photo: <file>, no vision model]".
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DEFAULT_IMAGE_BUDGET } from '../../activities/media/model-images.js';
import { useTestBot, type TestBot } from '../support/test-bot.js';
import { withoutTimeNote } from '../support/ollama-stub.js';
import { photo } from './support.js';

const MODEL = 'qwen2.5:7b';

async function postPhoto(bot: TestBot, jpeg: Buffer, caption: string) {
  const res = await fetch(`${bot.httpUrl}/api/media`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bot.httpToken}` },
    body: JSON.stringify({ chat: 'main', fileName: 'holiday.jpg', mime: 'image/jpeg', data: jpeg.toString('base64'), caption }),
  });
  expect(res.status, await res.clone().text()).toBe(202);
  return (await res.json()) as { id: string; text: string };
}

describe('photos', () => {
  const t = useTestBot();

  it('with a vision model: the image arrives in `images`, resized within the budget, as JPEG without EXIF; the history holds only its path', async () => {
    const { bot, ollama } = t;
    ollama.capabilities.set(MODEL, ['completion', 'tools', 'vision']);
    const seen: { format?: string; width?: number; height?: number; exif: boolean; bytes: number }[] = [];
    ollama.setScript(async (request) => {
      const last = [...request.messages].reverse().find((m) => m.role === 'user') as { content: string; images?: string[] };
      for (const image of last.images ?? []) {
        const bytes = Buffer.from(image, 'base64');
        const meta = await sharp(bytes).metadata();
        seen.push({ format: meta.format, width: meta.width, height: meta.height, exif: meta.exif !== undefined, bytes: bytes.length });
      }
      return { content: `I see ${last.images?.length ?? 0} image(s): ${withoutTimeNote(last.content)}` };
    });
    const original = await photo(2400, 1600);
    expect((await sharp(original).metadata()).exif).toBeDefined();
    const posted = await postPhoto(bot, original, 'what is this?');
    expect(posted.text).toBe(`[photo: media/${posted.id}.jpg] what is this?`);
    const [reply] = await bot.waitForReplies('local:main', 1);
    expect(reply.text).toBe(`I see 1 image(s): user: [photo: media/${posted.id}.jpg] what is this?`);
    expect(seen).toEqual([{ format: 'jpeg', width: 1024, height: 683, exif: false, bytes: expect.any(Number) }]);
    expect(seen[0].bytes).toBeLessThanOrEqual(DEFAULT_IMAGE_BUDGET.maxBytes);
    // Only the path and sizes are in Temporal's history, never the image's bytes (payloads are base64 JSON: decode them).
    const history = historyToJSON(await bot.client.workflow.getHandle(`turn:main:${posted.id}`).fetchHistory());
    const payloads = [...history.matchAll(/"data": "([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1], 'base64').toString('utf8')).join('\n');
    expect(payloads).toContain(`"path":"media/${posted.id}.jpg"`);
    expect(payloads).not.toContain(original.toString('base64').slice(100, 200));
    expect(payloads).not.toMatch(/"images"/);
    expect(payloads.length).toBeLessThan(200_000);
  });
});

// Its own bot: a model step keeps what it read of the model's capabilities for a minute.
describe('photos, model without vision', () => {
  const t = useTestBot();

  it('the model is told the photo is there and where, with no image attached', async () => {
    const { bot, ollama } = t;
    ollama.setScript((request) => {
      const last = [...request.messages].reverse().find((m) => m.role === 'user') as { content: string; images?: string[] };
      return { content: `images=${last.images?.length ?? 0} ${withoutTimeNote(last.content)}` };
    });
    const before = bot.replies('local:main').length;
    const posted = await postPhoto(bot, await photo(640, 480), 'and this one?');
    const replies = await bot.waitForReplies('local:main', before + 1);
    expect(replies.at(-1)!.text).toBe(`images=0 user: [photo: media/${posted.id}.jpg, no vision model] and this one?`);
  });
});
