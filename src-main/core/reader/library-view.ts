import type { LibraryItem, LibraryLicenceState } from '../../../protocol/api/library';
import { licenceTimeState, type Licence } from '../../../protocol/licence';
import type { LicenceDoc } from '../store/schemas/licences';
import type { MaterialDoc } from '../store/schemas/materials';

/** What the Library screen shows for one material: its copy on disk and its licence by the secure clock. */
export function libraryItem(
  material: MaterialDoc,
  licence: { doc: LicenceDoc; parsed: Licence } | null,
  clock: { trustedNow: number; lastCheckIn: number | null; renewing: boolean },
): LibraryItem {
  return {
    materialId: material.id,
    title: material.title,
    contentType: material.mimeType,
    sizeBytes: material.sizeBytes,
    available: material.available,
    download: {
      state: material.state,
      chunksDone: material.chunksDone,
      chunkCount: material.chunkCount,
      bytesDone: material.bytesDone,
      error: material.error ?? null,
      errorCode: material.errorCode ?? null,
    },
    licence: licenceView(licence, clock),
  };
}

const SERVER_STATES: Record<
  Exclude<LicenceDoc['state'], 'active'>,
  { state: LibraryLicenceState; code: string }
> = {
  revoked: { state: 'revoked', code: 'LICENSE_REVOKED' },
  returned: { state: 'returned', code: 'LICENSE_RETURNED' },
  expired: { state: 'expired', code: 'LICENSE_EXPIRED' },
  cancelled: { state: 'expired', code: 'LICENSE_CANCELLED' },
};

function licenceView(
  licence: { doc: LicenceDoc; parsed: Licence } | null,
  clock: { trustedNow: number; lastCheckIn: number | null; renewing: boolean },
): LibraryItem['licence'] {
  if (!licence) return { state: 'none', licenceId: null, expiresAt: null, offlineUntil: null, code: null };
  const { doc, parsed } = licence;
  const graceMs = parsed.offline_grace_hours * 3_600_000;
  const base = {
    licenceId: doc.id,
    expiresAt: parsed.expires_at,
    offlineUntil: clock.lastCheckIn === null ? null : new Date(clock.lastCheckIn + graceMs).toISOString(),
  };
  if (doc.state !== 'active') return { ...base, ...SERVER_STATES[doc.state] };
  if (clock.renewing) return { ...base, state: 'renewing', code: null };
  const time = licenceTimeState(parsed, {
    trustedNow: clock.trustedNow,
    lastCheckIn: clock.lastCheckIn ?? Number.NEGATIVE_INFINITY,
  });
  if (time.state === 'valid') return { ...base, state: 'valid', code: null };
  return { ...base, state: time.state, code: time.code };
}
