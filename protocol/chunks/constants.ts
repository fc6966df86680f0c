/** Plaintext bytes per chunk: big enough that per-chunk overhead is noise, small enough to seek. */
export const CHUNK_SIZE = 1024 * 1024;
export const GCM_TAG_BYTES = 16;
export const GCM_IV_BYTES = 12;
/** Bytes one full chunk occupies in the ciphertext file. */
export const STORED_CHUNK_SIZE = CHUNK_SIZE + GCM_TAG_BYTES;
