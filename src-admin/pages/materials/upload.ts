import type { MaterialContentType, UploadMaterialResponse } from '../../../protocol/http';
import { MATERIAL_CONTENT_TYPES } from '../../../protocol/http/material-types';
import { ApiError } from '../../api';

/** The type to send for a file: the browser's, else one guessed from the extension, else its own. */
const BY_EXTENSION: Record<string, MaterialContentType> = {
  pdf: 'application/pdf',
  epub: 'application/epub+zip',
  txt: 'text/plain',
  md: 'text/markdown',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
};

export function contentTypeOf(file: Pick<File, 'name' | 'type'>): string {
  if ((MATERIAL_CONTENT_TYPES as readonly string[]).includes(file.type)) return file.type;
  const extension = /\.([a-z0-9]+)$/i.exec(file.name)?.[1]?.toLowerCase() ?? '';
  return BY_EXTENSION[extension] ?? (file.type || 'application/octet-stream');
}

export const isMaterialType = (type: string): type is MaterialContentType =>
  (MATERIAL_CONTENT_TYPES as readonly string[]).includes(type);

/**
 * Uploads a file as the materials route takes it (the raw body, its type in Content-Type, the title in
 * the query), with the console's cookie and CSRF token. XMLHttpRequest rather than fetch: its
 * `upload.onprogress` reports the bytes sent, for a file of hundreds of MB, which the browser streams
 * from disk (the page never reads it into memory).
 */
export function uploadFile(
  file: File,
  title: string,
  csrf: string,
  onProgress: (sent: number, total: number) => void,
): Promise<UploadMaterialResponse> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/v1/offline/materials?title=${encodeURIComponent(title)}`);
    xhr.setRequestHeader('content-type', contentTypeOf(file));
    xhr.setRequestHeader('x-csrf-token', csrf);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (event) =>
      onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', 'The server cannot be reached'));
    xhr.onload = () => {
      const body = xhr.response as
        (UploadMaterialResponse & { error?: { code?: string; message?: string; details?: unknown } }) | null;
      if (xhr.status === 202 && body) return resolve(body);
      reject(
        new ApiError(
          xhr.status,
          body?.error?.code ?? `HTTP_${xhr.status}`,
          body?.error?.message ?? xhr.statusText,
          body?.error?.details,
        ),
      );
    };
    xhr.send(file);
  });
}
