// Where a reply goes: each channel (the local web chat, WhatsApp) says which chats it
// owns and how to send to them. The delivery activity picks one and keeps the log.
export interface OutboundChannel {
  readonly name: string;
  owns(chat: string): boolean;
  /**
   * Sends the text under the given message id. Throws a retryable error while the channel
   * is disconnected, so Temporal delivers it after the reconnect.
   */
  send(chat: string, text: string, messageId: string): Promise<void>;
  /** Optional: shows "typing…" while a turn runs. */
  setTyping?(chat: string, typing: boolean): Promise<void>;
  /** Sends a file (send_file) under the given message id: as a photo, audio, video or document by its MIME type. */
  sendFile?(chat: string, file: OutboundFile, messageId: string): Promise<void>;
}

export interface OutboundFile {
  data: Buffer;
  mime: string;
  fileName: string;
  caption?: string;
}

/** Local chats (`local:NAME`) need no transport: storing the reply is delivering it. */
export const localOutbound: OutboundChannel = {
  name: 'local',
  owns: (chat) => chat.startsWith('local:'),
  send: async () => {},
  // The web chat shows the file from the group's folder (GET /api/media), as the store names it.
  sendFile: async () => {},
};

export class OutboundRouter {
  constructor(private readonly channels: OutboundChannel[]) {}

  add(channel: OutboundChannel): void {
    this.channels.push(channel);
  }

  channelFor(chat: string): OutboundChannel | undefined {
    return this.channels.find((channel) => channel.owns(chat));
  }
}
