// Recognises PNG, JPEG and WebP from their first bytes and reads their pixel dimensions, so a confirmed
// screenshot is known to be the image it claimed to be, not whatever the uploader sent.
export const imageFormats = ['png', 'jpeg', 'webp'] as const;
export type ImageFormat = (typeof imageFormats)[number];

export interface ImageSignature {
  format: ImageFormat;
  /** Undefined when the header bytes read were too few to reach the dimensions. */
  width?: number;
  height?: number;
}

/** Enough bytes to find a JPEG frame header behind typical EXIF/ICC segments. */
export const IMAGE_HEAD_BYTES = 64 * 1024;

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function png(bytes: Buffer): ImageSignature | undefined {
  if (bytes.length < 8 || !bytes.subarray(0, 8).equals(PNG_MAGIC)) return undefined;
  // The first chunk must be IHDR: width and height are big-endian at offsets 16 and 20.
  if (bytes.length < 24 || bytes.toString('latin1', 12, 16) !== 'IHDR') return { format: 'png' };
  return { format: 'png', width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** Start-of-frame markers carry the dimensions; DHT (C4), JPG (C8) and DAC (CC) share the range but do not. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function jpeg(bytes: Buffer): ImageSignature | undefined {
  if (bytes.length < 3 || bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[2] !== 0xff) return undefined;
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return { format: 'jpeg' };
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset++;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return { format: 'jpeg' };
    const length = bytes.readUInt16BE(offset + 2);
    if (isStartOfFrame(marker)) {
      if (offset + 9 > bytes.length) return { format: 'jpeg' };
      return { format: 'jpeg', height: bytes.readUInt16BE(offset + 5), width: bytes.readUInt16BE(offset + 7) };
    }
    offset += 2 + length;
  }
  return { format: 'jpeg' };
}

function webp(bytes: Buffer): ImageSignature | undefined {
  if (bytes.length < 16 || bytes.toString('latin1', 0, 4) !== 'RIFF' || bytes.toString('latin1', 8, 12) !== 'WEBP') return undefined;
  const chunk = bytes.toString('latin1', 12, 16);
  if (chunk === 'VP8X' && bytes.length >= 30) {
    return { format: 'webp', width: 1 + bytes.readUIntLE(24, 3), height: 1 + bytes.readUIntLE(27, 3) };
  }
  if (chunk === 'VP8L' && bytes.length >= 25 && bytes[20] === 0x2f) {
    const bits = bytes.readUInt32LE(21);
    return { format: 'webp', width: 1 + (bits & 0x3fff), height: 1 + ((bits >> 14) & 0x3fff) };
  }
  if (chunk === 'VP8 ' && bytes.length >= 30 && bytes[23] === 0x9d && bytes[24] === 0x01 && bytes[25] === 0x2a) {
    return { format: 'webp', width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff };
  }
  return { format: 'webp' };
}

/** Undefined for anything that is not a PNG, JPEG or WebP. */
export function sniffImage(head: Buffer): ImageSignature | undefined {
  return png(head) ?? jpeg(head) ?? webp(head);
}
