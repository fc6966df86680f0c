import { z } from 'zod';
import { base64urlBytes } from '../crypto/base64url';
import { CHUNK_SIZE } from './constants';

const Sha256B64 = base64urlBytes(32, 'SHA-256');

/** An empty file still has one (empty) chunk, so "nothing" is authenticated and cannot be faked by truncation. */
export function chunkCountFor(plaintextSize: number): number {
  return Math.max(1, Math.ceil(plaintextSize / CHUNK_SIZE));
}

export const Manifest = z
  .strictObject({
    v: z.literal(1),
    material_id: z.string().min(1).max(128),
    content_type: z.string().min(1).max(255),
    plaintext_size: z.number().int().nonnegative().safe(),
    chunk_size: z.literal(CHUNK_SIZE),
    chunk_count: z.number().int().positive(),
    base_iv: base64urlBytes(12),
    cipher: z.literal('AES-256-GCM'),
    chunks: z.array(z.strictObject({ index: z.number().int().nonnegative(), sha256: Sha256B64 })),
  })
  .superRefine((m, ctx) => {
    if (m.chunk_count !== chunkCountFor(m.plaintext_size))
      ctx.addIssue({
        code: 'custom',
        path: ['chunk_count'],
        message: 'chunk_count does not fit plaintext_size',
      });
    if (m.chunks.length !== m.chunk_count || m.chunks.some((c, i) => c.index !== i))
      ctx.addIssue({
        code: 'custom',
        path: ['chunks'],
        message: 'chunks must list indexes 0..chunk_count-1 in order',
      });
  });
export type Manifest = z.infer<typeof Manifest>;

/** Plaintext length of chunk `index`: full except the last, which holds the remainder. */
export function plaintextChunkLength(
  manifest: Pick<Manifest, 'plaintext_size' | 'chunk_count'>,
  index: number,
): number {
  if (index < manifest.chunk_count - 1) return CHUNK_SIZE;
  return manifest.plaintext_size - (manifest.chunk_count - 1) * CHUNK_SIZE;
}
