// Image signatures and the upload check: table-driven over real PNG bytes and minimal JPEG/WebP headers.
import { describe, expect, it } from 'vitest';
import { sniffImage } from '../../shared/domain/screenshots/image-signature';
import { checkUpload, MAX_SCREENSHOT_BYTES, newScreenshot, screenshotBlobName } from '../../shared/domain/screenshots/screenshot';
import { jpegHeader, pngImage, webpHeader } from '../support/images';

describe('sniffImage', () => {
  it.each([
    ['png', pngImage(7, 3), { format: 'png', width: 7, height: 3 }],
    ['jpeg', jpegHeader(640, 480), { format: 'jpeg', width: 640, height: 480 }],
    ['webp', webpHeader(1080, 1920), { format: 'webp', width: 1080, height: 1920 }],
    ['truncated png', pngImage(7, 3).subarray(0, 10), { format: 'png' }],
  ])('reads %s', (_name, bytes, expected) => {
    expect(sniffImage(bytes)).toEqual(expected);
  });

  it.each([
    ['html', Buffer.from('<html><script>alert(1)</script></html>')],
    ['svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>')],
    ['gif', Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1')],
    ['empty', Buffer.alloc(0)],
    ['riff but not webp', Buffer.from('RIFF\x00\x00\x00\x00WAVEfmt ', 'latin1')],
  ])('refuses %s', (_name, bytes) => {
    expect(sniffImage(bytes)).toBeUndefined();
  });
});

describe('checkUpload', () => {
  const png = pngImage(4, 2);
  const doc = newScreenshot(
    { format: 'png', sizeBytes: png.length, width: 4, height: 2, capturedAt: new Date().toISOString(), trigger: 'manual' },
    { productId: 'demo', sessionId: 'ds_x', device: 'device:a' },
    new Date(),
    60_000,
  );

  it('names the blob after product, session and id', () => {
    expect(doc.blobName).toBe(screenshotBlobName('demo', 'ds_x', doc.id, 'png'));
    expect(doc.blobName).toBe(`demo/ds_x/${doc.id}.png`);
  });

  it.each([
    ['the declared image', { sizeBytes: png.length, contentType: 'image/png', head: png }, { ok: true }],
    ['nothing uploaded', undefined, { ok: false, reason: 'missing' }],
    ['an oversized blob', { sizeBytes: MAX_SCREENSHOT_BYTES + 1, contentType: 'image/png', head: png }, { ok: false, reason: 'too_large' }],
    ['a different size', { sizeBytes: png.length + 1, contentType: 'image/png', head: png }, { ok: false, reason: 'size_mismatch' }],
    ['html bytes', { sizeBytes: png.length, contentType: 'image/png', head: Buffer.from('<html>'.padEnd(png.length)) }, { ok: false, reason: 'not_an_image' }],
    ['a jpeg declared as png', { sizeBytes: png.length, contentType: 'image/png', head: jpegHeader(4, 2) }, { ok: false, reason: 'format_mismatch' }],
    ['a text/html content type', { sizeBytes: png.length, contentType: 'text/html', head: png }, { ok: false, reason: 'wrong_content_type' }],
    ['other dimensions', { sizeBytes: png.length, contentType: 'image/png', head: pngImage(5, 2) }, { ok: false, reason: 'dimension_mismatch' }],
  ])('%s', (_name, blob, expected) => {
    expect(checkUpload(doc, blob)).toEqual(expected);
  });
});
