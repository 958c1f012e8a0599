import { afterEach, describe, expect, it } from 'vitest';
import { proto } from '../../channel/whatsapp/baileys.js';
import { startAdapter, settle } from './support/adapter.js';
import { message, OWNER, OWNER_JID } from './support/fake-whatsapp.js';

const GROUP = '120363000000000001@g.us';
const ALICE = '447700900002@s.whatsapp.net';

describe('WhatsApp inbound: Baileys messages -> normalised messages', () => {
  let stopAdapter: (() => Promise<void>) | undefined;
  afterEach(async () => stopAdapter?.());

  async function opened() {
    const adapter = startAdapter();
    stopAdapter = () => adapter.channel.stop();
    const socket = await adapter.whatsapp.socketCount(1);
    socket.open();
    return { ...adapter, socket };
  }

  it('takes plain, extended text, media captions, quoted replies and sender names, in direct and group chats', async () => {
    const { socket, received } = await opened();
    socket.deliver([
      message({ remoteJid: ALICE, id: 'M1' }, { conversation: 'plain hello' }, { pushName: 'Alice' }),
      message({ remoteJid: ALICE, id: 'M2' }, { extendedTextMessage: { text: 'see https://example.org' } }, { pushName: 'Alice' }),
      message({ remoteJid: ALICE, id: 'M3' }, { imageMessage: { caption: 'a photo caption', mimetype: 'image/jpeg' } }, { pushName: 'Alice' }),
      message({ remoteJid: ALICE, id: 'M4' }, { videoMessage: { caption: 'a video caption' } }, { pushName: 'Alice' }),
      message(
        { remoteJid: ALICE, id: 'M5' },
        { documentWithCaptionMessage: { message: { documentMessage: { caption: 'the report', fileName: 'r.pdf' } } } },
        { pushName: 'Alice' },
      ),
      message(
        { remoteJid: GROUP, id: 'M6', participant: ALICE },
        {
          extendedTextMessage: {
            text: 'yes, that one',
            contextInfo: { stanzaId: 'M1', participant: OWNER_JID, quotedMessage: { conversation: 'shall we take the 9:15 train?' } },
          },
        },
        { pushName: 'Alice' },
      ),
      message({ remoteJid: ALICE, id: 'M7' }, { ephemeralMessage: { message: { conversation: 'disappearing text' } } }, { pushName: 'Alice' }),
    ]);
    await settle();
    // Each chat keeps its own order; chats do not wait for each other (a media download holds back only its chat).
    expect(received.filter((m) => m.chat === ALICE).map((m) => m.id)).toEqual(['M1', 'M2', 'M3', 'M4', 'M5', 'M7']);
    expect([...received].sort((a, b) => a.id.localeCompare(b.id)).map((m) => [m.id, m.text])).toEqual([
      ['M1', 'plain hello'],
      ['M2', 'see https://example.org'],
      // Media of a chat that is not registered is named, never downloaded (tests/media/ covers the rest).
      ['M3', '[photo] a photo caption'],
      ['M4', '[video] a video caption'],
      ['M5', '[document: r.pdf] the report'],
      ['M6', '(replying to: shall we take the 9:15 train?) yes, that one'],
      ['M7', 'disappearing text'],
    ]);
    const direct = received[0];
    expect(direct).toMatchObject({ channel: 'whatsapp', chat: ALICE, sender: ALICE, senderName: 'Alice', isGroupChat: false, chatName: 'Alice' });
    expect(new Date(direct.timestamp).getTime()).toBeGreaterThan(Date.now() - 60_000);
    const inGroup = received.find((m) => m.id === 'M6')!;
    expect(inGroup).toMatchObject({ chat: GROUP, sender: ALICE, senderName: 'Alice', isGroupChat: true });
    expect(inGroup.chatName).toBeUndefined();
  });

  it('skips status broadcasts, protocol messages, reactions and its own sends (by message id)', async () => {
    const { socket, received, store } = await opened();
    // BabyBot's own send: the delivery log has its id (delivery.ts records it before sending).
    store.recordDelivery('reply:turn:x', OWNER_JID, 'BBAAAA00000000000000', 'sent');
    store.recordDelivery('whatsapp-part:BBAAAA00000000000000P2', OWNER_JID, 'BBAAAA00000000000000P2', 'sent');
    socket.deliver([
      message({ remoteJid: 'status@broadcast', id: 'S1', participant: ALICE }, { conversation: 'my status' }),
      message({ remoteJid: ALICE, id: 'P1' }, { protocolMessage: { type: proto.Message.ProtocolMessage.Type.REVOKE, key: { id: 'M1' } } }),
      message({ remoteJid: ALICE, id: 'R1' }, { reactionMessage: { text: '👍', key: { id: 'M1', remoteJid: ALICE } } }),
      message({ remoteJid: OWNER_JID, id: 'BBAAAA00000000000000', fromMe: true }, { conversation: 'the reply, echoed' }),
      message({ remoteJid: OWNER_JID, id: 'BBAAAA00000000000000P2', fromMe: true }, { conversation: 'its second part, echoed' }),
      // The owner's own words in the self chat are fromMe too, but not in the delivery log: they count.
      message({ remoteJid: OWNER_JID, id: 'O1', fromMe: true }, { conversation: 'note to self: @Baby remind me' }),
      // A reply that starts like BabyBot's would is still the person's: no text-prefix rules.
      message({ remoteJid: ALICE, id: 'T1' }, { conversation: 'Baby: pretend reply' }, { pushName: 'Alice' }),
    ], 'append');
    await settle();
    expect(received.map((m) => m.id)).toEqual(['O1', 'T1']);
    expect(received[0]).toMatchObject({ chat: OWNER_JID, sender: OWNER_JID, senderName: OWNER.name, isGroupChat: false });
  });

  it("maps the self chat's LID form to the owner's chat", async () => {
    const { socket, received } = await opened();
    socket.deliver([message({ remoteJid: '123456789012345@lid', id: 'L1', fromMe: true }, { conversation: 'from the lid chat' })]);
    await settle();
    expect(received).toHaveLength(1);
    expect(received[0].chat).toBe(OWNER_JID);
  });

  it('keeps group names in sync from groups.update, groups.upsert and chats.upsert', async () => {
    const { socket, store } = await opened();
    socket.emit('groups.upsert', [{ id: GROUP, subject: 'Family', participants: [] }]);
    await settle();
    expect(store.listChats().find((c) => c.jid === GROUP)).toMatchObject({ name: 'Family', channel: 'whatsapp', isGroup: true });
    socket.emit('groups.update', [{ id: GROUP, subject: 'Family (renamed)' }]);
    socket.emit('chats.upsert', [{ id: '120363000000000002@g.us', name: 'Book club' }]);
    await settle();
    expect(store.listChats().find((c) => c.jid === GROUP)?.name).toBe('Family (renamed)');
    expect(store.listChats().find((c) => c.jid === '120363000000000002@g.us')?.name).toBe('Book club');
  });

  it('registers the owner\'s chat with themselves as the WhatsApp main group on open', async () => {
    const { store } = await opened();
    expect(store.groupByJid(OWNER_JID)).toMatchObject({ folder: 'whatsapp-main', isMain: true, requiresTrigger: false });
    expect(store.groupByFolder('main')).toBeUndefined();
  });
});
