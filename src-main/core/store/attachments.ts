import type { BulkWriteRow, CategorizeBulkWriteRowsOutput, RxAttachmentWriteData } from 'rxdb';
import type { Table } from './table';

/** New attachment data arrives as Blobs; their bytes are read up front (Blob reads are async). */
export async function readAttachmentBlobs<T>(rows: BulkWriteRow<T>[]): Promise<Map<Blob, Buffer>> {
  const bytes = new Map<Blob, Buffer>();
  for (const row of rows) {
    const attachments = row.document._attachments ?? {};
    for (const attachment of Object.values(attachments)) {
      const data = (attachment as Partial<RxAttachmentWriteData>).data;
      if (data && !bytes.has(data)) bytes.set(data, Buffer.from(await data.arrayBuffer()));
    }
  }
  return bytes;
}

export function writeAttachments<T>(
  table: Table,
  categorized: CategorizeBulkWriteRowsOutput<T>,
  bytes: Map<Blob, Buffer>,
): void {
  const put = table.statement(
    `INSERT OR REPLACE INTO ${table.attachmentsQ} (doc_id, attachment_id, digest, type, data) VALUES (?, ?, ?, ?, ?)`,
  );
  for (const a of [...categorized.attachmentsAdd, ...categorized.attachmentsUpdate]) {
    const data = bytes.get(a.attachmentData.data);
    if (!data) throw new Error(`attachment ${a.documentId}/${a.attachmentId} has no data`);
    put.run(a.documentId, a.attachmentId, a.digest, a.attachmentData.type, data);
  }
  const del = table.statement(`DELETE FROM ${table.attachmentsQ} WHERE doc_id = ? AND attachment_id = ?`);
  for (const a of categorized.attachmentsRemove) del.run(a.documentId, a.attachmentId);
}
