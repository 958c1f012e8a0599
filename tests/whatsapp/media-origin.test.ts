// The one rule for where WhatsApp media may come from, against the spellings an attacker
// tries (tests/security/media-links.test.ts runs it through a real download).
import { describe, expect, it } from 'vitest';
import { mediaUrl, originAllowed, WHATSAPP_MEDIA_ORIGINS } from '../../channel/whatsapp/media-origin.js';

const allowed = (url: string) => originAllowed(new URL(url), WHATSAPP_MEDIA_ORIGINS);

describe("WhatsApp's media origins", () => {
  it("allows WhatsApp's media hosts over https on the default port only", () => {
    expect(allowed('https://mmg.whatsapp.net/v/t62.7118-24/1.enc?ccb=11-4')).toBe(true);
    expect(allowed('https://media-lhr8-1.cdn.whatsapp.net/v/x.enc')).toBe(true);
    for (const url of [
      'http://mmg.whatsapp.net/v/x.enc',
      'https://mmg.whatsapp.net:8443/v/x.enc',
      'https://user:pw@mmg.whatsapp.net/v/x.enc',
      'https://whatsapp.net.evil.example/v/x.enc',
      'https://evilwhatsapp.net/v/x.enc',
      'https://evil.example/#.whatsapp.net',
      'https://127.0.0.1/v/x.enc',
      'ftp://mmg.whatsapp.net/v/x.enc',
    ]) {
      expect(allowed(url), url).toBe(false);
    }
  });

  it("uses the sender's url only on a media host, else the directPath on mmg.whatsapp.net, else nothing", () => {
    expect(mediaUrl({ url: 'https://mmg.whatsapp.net/v/a.enc?x=1', directPath: '/v/b.enc' }, WHATSAPP_MEDIA_ORIGINS)?.href).toBe('https://mmg.whatsapp.net/v/a.enc?x=1');
    expect(mediaUrl({ url: 'http://10.0.0.1/a', directPath: '/v/b.enc?oh=1' }, WHATSAPP_MEDIA_ORIGINS)?.href).toBe('https://mmg.whatsapp.net/v/b.enc?oh=1');
    for (const directPath of ['//evil.example/a', '@evil.example/a', 'evil.example/a', '/\\evil.example', '/v/a b', '']) {
      expect(mediaUrl({ url: 'http://10.0.0.1/a', directPath }, WHATSAPP_MEDIA_ORIGINS), directPath).toBeUndefined();
    }
    expect(mediaUrl({ url: 'not a url' }, WHATSAPP_MEDIA_ORIGINS)).toBeUndefined();
  });
});
