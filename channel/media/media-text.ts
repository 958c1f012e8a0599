// How a message's media reads as text: in the store, the web chat, the Web UI and the
// model's context. One wording everywhere, so a person and the model see the same thing.
import type { Media, MediaKind } from '../../lib/store/store.js';

const EXTENSIONS: Record<string, string> = {
  'audio/ogg': 'ogg',
  'audio/opus': 'opus',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'audio/aac': 'aac',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/webm': 'webm',
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'video/mp4': 'mp4',
  'video/3gpp': '3gp',
  'application/pdf': 'pdf',
  'text/plain': 'txt',
  'text/csv': 'csv',
  'text/markdown': 'md',
  'application/json': 'json',
  'application/zip': 'zip',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'pptx',
  'application/vnd.oasis.opendocument.text': 'odt',
  'application/vnd.oasis.opendocument.spreadsheet': 'ods',
};

const MIME_BY_EXTENSION = Object.fromEntries(Object.entries(EXTENSIONS).map(([mime, ext]) => [ext, mime]));
Object.assign(MIME_BY_EXTENSION, { jpeg: 'image/jpeg', wav: 'audio/wav', txt: 'text/plain', htm: 'text/html', html: 'text/html' });

/** The file's extension: the sender's own when it is plain (pdf, docx), else the MIME type's, else bin. */
export function extensionFor(mime: string, fileName?: string): string {
  const own = fileName && /\.([a-z0-9]{1,8})$/i.exec(fileName)?.[1]?.toLowerCase();
  return own || EXTENSIONS[mime.split(';')[0].trim().toLowerCase()] || 'bin';
}

/** The MIME type a file name suggests (for send_file); application/octet-stream when unknown. */
export function mimeForFile(fileName: string): string {
  const ext = /\.([a-z0-9]{1,8})$/i.exec(fileName)?.[1]?.toLowerCase();
  return (ext && MIME_BY_EXTENSION[ext]) || 'application/octet-stream';
}

/** A message id as a file name: WhatsApp's are hex, the local API's could be anything. */
export function fileStem(messageId: string): string {
  return messageId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 100) || 'media';
}

export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

const NOUN: Record<MediaKind, string> = {
  voice: 'voice note',
  audio: 'audio',
  image: 'photo',
  video: 'video',
  document: 'document',
  sticker: 'sticker',
};

/** "[voice note 0:42" / "[photo" / "[document: report.pdf": the head every wording shares. */
function head(media: Media): string {
  const noun = NOUN[media.kind];
  if (media.kind === 'document' && media.fileName) return `[${noun}: ${media.fileName}`;
  return media.seconds ? `[${noun} ${clock(media.seconds)}` : `[${noun}`;
}

/** The message's text as stored: what the media is, where it was saved or why not, then the caption. */
export function mediaText(media: Media, caption?: string): string {
  const tail = caption ? ` ${caption}` : '';
  if (media.status !== 'saved') {
    const size = media.bytes ? `, ${sizeText(media.bytes)}` : '';
    const why = media.status === 'too-large' ? 'not saved' : 'could not be downloaded';
    return `${head(media)}${size}, ${why}: ${media.error ?? 'unknown error'}]${tail}`;
  }
  switch (media.kind) {
    case 'voice':
      return `${head(media)}, transcribing…]${tail}`;
    case 'document':
      return `${head(media)}, ${sizeText(media.bytes ?? 0)}, saved as ${media.path}]${tail}`;
    default:
      return `${head(media)}: ${media.path}]${tail}`;
  }
}

/** Media of a chat BabyBot does not serve (not registered): named, never downloaded. */
export function unsavedText(media: Pick<Media, 'kind' | 'fileName' | 'seconds'>, caption?: string): string {
  return `${head(media as Media)}]${caption ? ` ${caption}` : ''}`;
}

/** A transcribed voice note as the model reads it: "[voice note 0:42] <transcript>". */
export function voiceNoteText(media: Media, transcript: string, caption?: string): string {
  return `${head(media)}] ${transcript}${caption ? ` ${caption}` : ''}`;
}

/** A voice note that could not be transcribed, with the reason. */
export function untranscribedText(media: Media, reason: string): string {
  return `${head(media)}, not transcribed: ${reason}]`;
}
