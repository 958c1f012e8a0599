// Photos for the model step. The history names a photo (path, size); here, inside the
// model activity, its bytes are read from the group's folder (no links, regular files only,
// capped), turned upright, shrunk within a pixel and byte budget and re-encoded as JPEG,
// which drops EXIF (GPS position, camera, time) and every other metadata block, and only
// then given to Ollama as `images`. A model without the vision capability is told the
// photo is there and where, so it can still work on the file in the sandbox.
import sharp from 'sharp';
import { readGroupFile } from '../../channel/media/read-media.js';
import type { ChatMessage, MediaRef } from '../../contracts/types.js';

export interface ImageBudget {
  /** The longest side after resizing. */
  maxSide: number;
  /** The encoded JPEG's largest size. */
  maxBytes: number;
}

export const DEFAULT_IMAGE_BUDGET: ImageBudget = { maxSide: 1024, maxBytes: 800_000 };

export interface ModelImageDeps {
  groupsDir: string;
  /** MEDIA_MAX_BYTES: the largest file read at all. */
  maxFileBytes: number;
  budget?: ImageBudget;
}

export interface PreparedImage {
  jpeg: Buffer;
  width: number;
  height: number;
}

/** Upright, within the budget, JPEG, no metadata. Throws for bytes that are not an image. */
export async function prepareImage(data: Buffer, budget: ImageBudget = DEFAULT_IMAGE_BUDGET): Promise<PreparedImage> {
  // limitInputPixels refuses decompression bombs before decoding them.
  const base = sharp(data, { limitInputPixels: 64_000_000, failOn: 'error' })
    .rotate()
    .resize({ width: budget.maxSide, height: budget.maxSide, fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' });
  for (const quality of [85, 70, 55, 40]) {
    const { data: jpeg, info } = await base.clone().jpeg({ quality, mozjpeg: false }).toBuffer({ resolveWithObject: true });
    if (jpeg.length <= budget.maxBytes || quality === 40) return { jpeg, width: info.width, height: info.height };
  }
  throw new Error('unreachable');
}

type ModelMessage = Omit<ChatMessage, 'media'> & { images?: string[] };

/** The message as Ollama gets it: `media` named in the history becomes `images` (or a note). */
export async function withImages(message: ChatMessage, vision: boolean, deps: ModelImageDeps): Promise<ModelMessage> {
  const { media, ...rest } = message;
  if (!media?.length) return rest;
  let content = rest.content;
  const images: string[] = [];
  for (const ref of media) {
    if (!vision) {
      content = mark(content, ref, `[photo: ${ref.path}, no vision model]`);
      continue;
    }
    try {
      const file = readGroupFile(deps.groupsDir, ref.folder, ref.path, deps.maxFileBytes);
      const prepared = await prepareImage(file.data, deps.budget);
      images.push(prepared.jpeg.toString('base64'));
    } catch (error) {
      content = mark(content, ref, `[photo: ${ref.path}, could not be read: ${(error as Error).message}]`);
    }
  }
  return images.length ? { ...rest, content, images } : { ...rest, content };
}

function mark(content: string, ref: MediaRef, replacement: string): string {
  const tag = `[photo: ${ref.path}]`;
  return content.includes(tag) ? content.replace(tag, replacement) : `${content} ${replacement}`;
}
