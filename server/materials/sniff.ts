import { MATERIAL_CONTENT_TYPES, type MaterialContentType } from '../../protocol/http';

/** The media type of a Content-Type header when it is one we accept (text only as UTF-8), else null. */
export function acceptedContentType(header: string | undefined): MaterialContentType | null {
  if (!header) return null;
  const [type = '', ...params] = header.split(';').map((p) => p.trim().toLowerCase());
  const known = MATERIAL_CONTENT_TYPES.find((t) => t === type);
  if (!known) return null;
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice(8)
    .replace(/"/g, '');
  if (charset !== undefined && !['utf-8', 'utf8', 'us-ascii'].includes(charset)) return null;
  return known;
}

/** Bytes kept from the start of an upload: enough for every signature below. */
export const SNIFF_BYTES = 64;

const startsWith = (head: Buffer, bytes: number[] | string, at = 0) => {
  const sig = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes);
  return head.length >= at + sig.length && head.subarray(at, at + sig.length).equals(sig);
};

/**
 * Whether an upload's first bytes are what its declared type says. EPUB (OCF): a zip whose first
 * entry is the stored file `mimetype` holding `application/epub+zip`. Text is checked whole
 * while streaming (TextSniffer), so here it only has to be present.
 */
export function headMatches(type: MaterialContentType, head: Buffer): boolean {
  switch (type) {
    case 'application/pdf':
      return startsWith(head, '%PDF-');
    case 'application/epub+zip':
      return (
        startsWith(head, [0x50, 0x4b, 0x03, 0x04]) &&
        startsWith(head, 'mimetype', 30) &&
        startsWith(head, 'application/epub+zip', 38)
      );
    case 'image/png':
      return startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    case 'image/jpeg':
      return startsWith(head, [0xff, 0xd8, 0xff]);
    case 'image/webp':
      return startsWith(head, 'RIFF') && startsWith(head, 'WEBP', 8);
    case 'text/plain':
    case 'text/markdown':
      return true;
  }
}

/** Text uploads must be UTF-8 without NUL bytes, checked chunk by chunk as they stream in. */
export class TextSniffer {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  ok = true;

  push(chunk: Buffer): void {
    if (!this.ok) return;
    try {
      if (chunk.includes(0)) this.ok = false;
      else this.decoder.decode(chunk, { stream: true });
    } catch {
      this.ok = false;
    }
  }

  end(): boolean {
    if (!this.ok) return false;
    try {
      this.decoder.decode();
      return true;
    } catch {
      return false;
    }
  }
}
