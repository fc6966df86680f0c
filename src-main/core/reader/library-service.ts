import type { KeyObject } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { BehaviorSubject, defer, type Observable } from 'rxjs';
import type { RxCollection } from 'rxdb';
import { z } from 'zod';
import { ApiError } from '../../../protocol/api';
import type { LibraryItem, LibraryView, OpenedMaterial, ReadingState } from '../../../protocol/api/library';
import { CHUNK_SIZE, ChunkError, manifestHash, type Manifest } from '../../../protocol/chunks';
import {
  LicenceResponse,
  OfflineSyncResponse,
  ReturnLicenceResponse,
} from '../../../protocol/http/materials';
import { Licence, licenceTimeState, newRequestNonce } from '../../../protocol/licence';
import type { DeviceIdentity } from '@outpost/terminal-sdk';
import { callRoute, type RouteAnswer, type RouteRequest } from '@outpost/terminal-sdk';
import type { LicenceDoc } from '../store/schemas/licences';
import type { MaterialDoc } from '../store/schemas/materials';
import type { ReadingDoc } from '../store/schemas/reading';
import { downloadChunks } from './chunk-download';
import type { ContentSessions } from './content';
import { LibraryFiles } from './library-files';
import { libraryItem } from './library-view';
import { ReadingStore } from './reading-store';
import { checkLicence, checkLicenceTime, unwrapForDevice } from './licence-gate';
import type { SecureClock } from './secure-clock';
import type { ReaderAnchor } from '../trust/rollback-anchor';
import { checkStatement, type VerifiedStatement } from '@outpost/terminal-sdk';

/** The routes the library calls, all with this laptop's signature. */
type LibraryRoute =
  'listMaterials' | 'offlineSync' | 'issueLicence' | 'renewLicence' | 'returnLicence' | 'downloadMaterial';

export interface LibraryServiceDeps {
  dataDir: string;
  collections: {
    materials: RxCollection<MaterialDoc>;
    licences: RxCollection<LicenceDoc>;
    /** Positions and bookmarks (#22); without it (the bench) nothing is kept. */
    reading?: RxCollection<ReadingDoc>;
  };
  identity: () => Promise<DeviceIdentity>;
  /** The server this laptop is registered with; null when it is not. */
  serverUrl: () => string | null;
  /**
   * Why the server's address may not be spoken to now (a local shop whose server is not running:
   * whatever holds its port is not the server, #16 pass 13 L-1); null when it may.
   */
  serverHeld?: () => ApiError | null;
  /** The key licences are checked against (server-key.ts). */
  serverKey: () => Promise<KeyObject>;
  clock: SecureClock;
  content: ContentSessions;
  /** The viewer's URL for a content session, right for the transport in use. */
  contentUrl: (sessionId: string) => string;
  /** Renew a licence on reconnect when it expires within this long (default 7 days). */
  renewWithinMs?: number;
  /**
   * The keychain's anti-rollback anchor: told of licence moves and of fresh signed states, and
   * asked before anything opens (nothing opens while the keychain refuses its writes).
   */
  anchor?: Pick<ReaderAnchor, 'ready' | 'licenceChanged' | 'checkedIn'>;
  fetchImpl?: typeof fetch;
}

/**
 * The answers as read here: the statement is taken as anything so that a missing or malformed one
 * is checkStatement's SERVER_STATEMENT_INVALID, not a generic "not understood".
 */
const LicenceAnswer = LicenceResponse.extend({ statement: z.unknown().optional() });
const ReturnAnswer = ReturnLicenceResponse.extend({ statement: z.unknown().optional() });
const SyncAnswer = OfflineSyncResponse.extend({ statement: z.unknown().optional() });

const DAY = 86_400_000;
const MINUTE = 60_000;

/**
 * The laptop's Library (issue #5): the materials the user may take, their encrypted copies in
 * `<dataDir>/library/`, their licences in the encrypted store, and opening them for the viewer.
 */
export class LibraryService {
  private readonly materials = new Map<string, MaterialDoc>();
  /** The current licence of each material, by material id. */
  private readonly licences = new Map<string, { doc: LicenceDoc; parsed: Licence }>();
  private readonly downloads = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private readonly renewing = new Set<string>();
  private readonly files: LibraryFiles;
  private readonly reading: ReadingStore | null;
  private readonly view$: BehaviorSubject<LibraryView>;
  private lastError: string | null = null;
  private readonly ticker: NodeJS.Timeout;
  private refreshing: Promise<LibraryView> | null = null;
  private stopped = false;

  private constructor(private readonly deps: LibraryServiceDeps) {
    this.files = new LibraryFiles(deps.dataDir);
    this.reading = deps.collections.reading ? new ReadingStore(deps.collections.reading) : null;
    this.view$ = new BehaviorSubject<LibraryView>({ items: [], lastSyncAt: null, lastError: null });
    // Offline time left and expiry change with the clock alone.
    this.ticker = setInterval(() => this.emit(), MINUTE);
    this.ticker.unref();
  }

  static async open(deps: LibraryServiceDeps): Promise<LibraryService> {
    const service = new LibraryService(deps);
    await service.files.ensureDir();
    for (const doc of await deps.collections.materials.find().exec()) {
      const material = plain<MaterialDoc>(doc.toJSON());
      // A download cut by a restart resumes when asked, from its last verified chunk.
      if (['queued', 'downloading', 'verifying'].includes(material.state)) material.state = 'paused';
      service.materials.set(material.id, material);
    }
    for (const doc of await deps.collections.licences.find().exec()) {
      const licence = plain<LicenceDoc>(doc.toJSON());
      const parsed = Licence.safeParse(JSON.parse(licence.token));
      if (!parsed.success) continue;
      const held = service.licences.get(licence.materialId);
      if (!held || held.doc.issuedAt < licence.issuedAt)
        service.licences.set(licence.materialId, { doc: licence, parsed: parsed.data });
    }
    service.emit();
    return service;
  }

  /** Recomputed for each new subscriber: licence states move with the clock between events. */
  items(): Observable<LibraryView> {
    return defer(() => {
      this.emit();
      return this.view$.asObservable();
    });
  }

  get view(): LibraryView {
    return this.view$.value;
  }

  /** Materials list, licence states (revocations take effect here) and renewals; server time re-anchors the clock. */
  refresh(): Promise<LibraryView> {
    this.refreshing ??= this.doRefresh().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  /** The network is back: check in, learn revocations, renew what needs it. Never throws. */
  async reconnected(): Promise<void> {
    if (!this.deps.serverUrl() || this.deps.serverHeld?.()) return;
    await this.refresh().catch(() => undefined);
  }

  async download(materialId: string): Promise<LibraryItem> {
    if (!this.materials.has(materialId)) await this.refresh();
    const material = this.need(materialId);
    if (this.downloads.has(materialId) || material.state === 'ready') return this.item(materialId);
    const abort = new AbortController();
    await this.saveMaterial({ ...material, state: 'queued', errorCode: undefined, error: undefined });
    const done = this.runDownload(materialId, abort.signal).finally(() => this.downloads.delete(materialId));
    this.downloads.set(materialId, { abort, done });
    return this.item(materialId);
  }

  async pause(materialId: string): Promise<LibraryItem> {
    this.need(materialId);
    const running = this.downloads.get(materialId);
    if (running) {
      running.abort.abort();
      await running.done;
    }
    return this.item(materialId);
  }

  /** Waits for a running download to end (tests, shutdown). */
  async settled(materialId: string): Promise<LibraryItem> {
    await this.downloads.get(materialId)?.done;
    return this.item(materialId);
  }

  async open(materialId: string): Promise<OpenedMaterial> {
    try {
      return await this.openChecked(materialId);
    } catch (error) {
      // The item shows why it did not open (the clock may have moved since the last event).
      this.emit();
      throw error;
    }
  }

  private async openChecked(materialId: string): Promise<OpenedMaterial> {
    const material = this.need(materialId);
    // A keychain refusing the anchor (a locked keyring) means a copy of this store taken now could
    // be put back unseen: nothing opens until a keychain write succeeds (#16, tenth pass M-3).
    await this.deps.anchor?.ready();
    const held = this.licences.get(materialId);
    if (!held) throw new ApiError('LICENSE_NOT_FOUND', 'There is no licence for this item on this device.');
    if (held.doc.state === 'revoked') throw new ApiError('LICENSE_REVOKED', 'The licence was revoked.');
    if (held.doc.state === 'returned') throw new ApiError('LICENSE_RETURNED', 'The licence was returned.');
    if (held.doc.state === 'expired') throw new ApiError('LICENSE_EXPIRED', 'The licence has expired.');
    if (held.doc.state === 'cancelled')
      throw new ApiError('LICENSE_CANCELLED', 'The licence was replaced: connect to the server to fetch it.');
    const identity = await this.deps.identity();
    const licence = checkLicence(JSON.parse(held.doc.token), {
      serverKey: await this.deps.serverKey(),
      deviceId: identity.deviceId,
      materialId,
    });
    checkLicenceTime(licence, {
      trustedNow: this.deps.clock.now(),
      lastCheckIn: this.deps.clock.lastCheckIn,
    });
    if (material.state !== 'ready')
      throw new ApiError('MATERIAL_NOT_DOWNLOADED', 'This item is not downloaded on this device.');
    const manifest = await this.files.loadManifest(materialId);
    const file = this.files.encrypted(materialId);
    const onDisk = await stat(file).catch(() => null);
    if (!manifest || !onDisk)
      throw new ApiError('MATERIAL_NOT_DOWNLOADED', 'The downloaded copy is missing: download it again.');
    if (manifest.material_id !== materialId || manifestHash(manifest) !== licence.content.manifest_sha256)
      throw new ApiError('MANIFEST_MISMATCH', 'The downloaded copy does not match the licence.');
    const cek = await unwrapForDevice(licence, identity.agreementKey);
    const sessionId = this.deps.content.open({
      materialId,
      contentType: manifest.content_type,
      file,
      manifest,
      cek,
    });
    cek.fill(0);
    const reading = (await this.reading?.get(materialId)) ?? { position: null, bookmarks: [] };
    return {
      materialId,
      title: material.title,
      contentType: manifest.content_type,
      sizeBytes: manifest.plaintext_size,
      url: this.deps.contentUrl(sessionId),
      rights: licence.rights,
      reading,
    };
  }

  close(materialId: string): { closed: boolean } {
    return { closed: this.deps.content.close(materialId) };
  }

  /** Early return: the server frees the slot, then the local copy goes. */
  async returnItem(materialId: string): Promise<LibraryItem> {
    this.need(materialId);
    const held = this.licences.get(materialId);
    if (!held || held.doc.state !== 'active')
      throw new ApiError('LICENSE_NOT_FOUND', 'There is no licence to return for this item.');
    const nonce = newRequestNonce();
    const answer = await this.call('returnLicence', {
      params: { license_id: held.doc.id },
      body: { request_nonce: nonce },
      response: ReturnAnswer,
    });
    const statement = await this.checkIn(answer.statement, nonce);
    if (!statement.licences.some((l) => l.license_id === held.doc.id && l.status === 'returned'))
      throw new ApiError('SERVER_STATEMENT_INVALID', 'The server did not sign the return of this licence.');
    await this.dropLocalCopy(materialId);
    await this.reading?.forget(materialId);
    await this.saveLicence({ ...held.doc, state: 'returned' }, held.parsed);
    return this.item(materialId);
  }

  /** The student's place and bookmarks in an item of the Library. */
  async saveReading(materialId: string, state: ReadingState): Promise<ReadingState> {
    this.need(materialId);
    if (!this.reading) throw new ApiError('STORE_UNAVAILABLE', 'Reading positions cannot be kept here.');
    return this.reading.save(materialId, state);
  }

  /** Renewal asked for by the student: unlike the one at each check-in, its failure is theirs to read. */
  async renewNow(materialId: string): Promise<LibraryItem> {
    this.need(materialId);
    const held = this.licences.get(materialId);
    if (!held || held.doc.state !== 'active')
      throw new ApiError('LICENSE_NOT_FOUND', 'There is no licence to renew for this item.');
    const failure = await this.renew(materialId);
    if (failure) throw failure;
    return this.item(materialId);
  }

  /** Deletes the encrypted copy; the licence stays, so it can be downloaded again. */
  async remove(materialId: string): Promise<LibraryItem> {
    this.need(materialId);
    await this.dropLocalCopy(materialId);
    return this.item(materialId);
  }

  /** A chunk on disk failed its check while reading: the copy is marked failed, naming the chunk. */
  async chunkFailed(materialId: string, error: ChunkError): Promise<void> {
    const material = this.materials.get(materialId);
    if (!material) return;
    await this.saveMaterial({
      ...material,
      state: 'failed',
      chunksDone: Math.min(material.chunksDone, error.index),
      errorCode: error.code,
      error: `Chunk ${error.index} of the downloaded copy is damaged (${error.message}): download it again.`,
    });
  }

  async stop(): Promise<void> {
    clearInterval(this.ticker);
    for (const { abort } of this.downloads.values()) abort.abort();
    await Promise.all([...this.downloads.values()].map((d) => d.done));
    this.deps.content.closeAll();
    this.stopped = true;
    this.view$.complete();
  }

  private async doRefresh(): Promise<LibraryView> {
    try {
      // Pinned on the first contact, so licences can be checked offline from then on.
      await this.deps.serverKey();
      const list = await this.call('listMaterials', {});
      const listed = new Set<string>();
      for (const record of list.materials) {
        if (record.status !== 'ready') continue;
        listed.add(record.material_id);
        const known = this.materials.get(record.material_id);
        await this.saveMaterial(
          known
            ? { ...known, title: record.title, mimeType: record.content_type, available: true }
            : {
                id: record.material_id,
                title: record.title,
                mimeType: record.content_type,
                sizeBytes: record.plaintext_size,
                chunkSize: CHUNK_SIZE,
                chunkCount: record.chunk_count ?? 0,
                manifestHash: record.manifest_sha256 ?? '',
                state: 'none',
                chunksDone: 0,
                bytesDone: 0,
                available: true,
                updatedAt: Date.now(),
              },
        );
      }
      for (const material of [...this.materials.values()]) {
        if (listed.has(material.id) || !material.available) continue;
        await this.saveMaterial({ ...material, available: false });
      }
      await this.syncLicences();
      this.lastError = null;
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
      this.emit();
      throw error;
    }
    this.emit();
    return this.view;
  }

  /** POST /offline/sync: the server's word on every held licence, then renewals. */
  private async syncLicences(): Promise<void> {
    const held = [...this.licences.values()].filter((l) => l.doc.state === 'active');
    // Judged before the check-in below re-anchors the clock: an offline-expired licence is renewed.
    const now = this.deps.clock.now();
    const lastCheckIn = this.deps.clock.lastCheckIn;
    const renewWithin = this.deps.renewWithinMs ?? 7 * DAY;
    const toRenew = new Set(
      held
        .filter((l) => {
          const time = licenceTimeState(l.parsed, { trustedNow: now, lastCheckIn: lastCheckIn ?? 0 });
          return time.state !== 'valid' || Date.parse(l.parsed.expires_at) - now < renewWithin;
        })
        .map((l) => l.doc.materialId),
    );
    const nonce = newRequestNonce();
    const answer = await this.call('offlineSync', {
      body: {
        licences: held.map((l) => ({ license_id: l.doc.id, nonce: l.parsed.nonce })),
        request_nonce: nonce,
      },
      response: SyncAnswer,
    });
    // The signed states, never the unsigned list beside them: a proxy could hide a revocation there.
    const statement = await this.checkIn(answer.statement, nonce);
    for (const state of statement.licences) {
      const entry = held.find((l) => l.doc.id === state.license_id);
      if (!entry) continue;
      const materialId = entry.doc.materialId;
      if (state.status === 'revoked' || state.status === 'returned') {
        // Revocation takes effect here: the key and the copy go, whatever the clock says.
        await this.dropLocalCopy(materialId);
        await this.saveLicence({ ...entry.doc, state: state.status }, entry.parsed);
        toRenew.delete(materialId);
      } else if (state.status === 'cancelled') {
        // Replaced by a renewal whose answer never reached us: take the current one.
        toRenew.delete(materialId);
        await this.takeLicence(materialId).catch(() =>
          this.saveLicence({ ...entry.doc, state: 'cancelled' }, entry.parsed),
        );
      } else if (state.status === 'expired') {
        toRenew.add(materialId);
      }
    }
    // Every held licence now has the server's signed state: a rollback's suspension lifts (#16).
    await this.deps.anchor?.checkedIn();
    for (const materialId of toRenew) await this.renew(materialId);
  }

  /** Answers why it failed (also kept in the view's lastError), or null once renewed. */
  private async renew(materialId: string): Promise<ApiError | null> {
    const held = this.licences.get(materialId);
    if (!held) return null;
    this.renewing.add(materialId);
    this.emit();
    try {
      const nonce = newRequestNonce();
      const answer = await this.call('renewLicence', {
        params: { license_id: held.doc.id },
        body: { nonce: held.parsed.nonce, request_nonce: nonce },
        response: LicenceAnswer,
      });
      await this.acceptLicence(materialId, answer, nonce, held.doc.id);
      return null;
    } catch (error) {
      this.lastError = `Renewal failed: ${error instanceof Error ? error.message : String(error)}`;
      if (error instanceof ApiError && error.code === 'LICENSE_EXPIRED')
        await this.saveLicence({ ...held.doc, state: 'expired' }, held.parsed);
      return error instanceof ApiError ? error : new ApiError('SERVER_ERROR', this.lastError);
    } finally {
      this.renewing.delete(materialId);
      this.emit();
    }
  }

  /** POST .../license: the server answers the device's active licence, or issues one. */
  private async takeLicence(materialId: string): Promise<Licence> {
    const identity = await this.deps.identity();
    const nonce = newRequestNonce();
    const answer = await this.call('issueLicence', {
      params: { material_id: materialId },
      body: { device_id: identity.deviceId, request_nonce: nonce },
      response: LicenceAnswer,
    });
    return this.acceptLicence(materialId, answer, nonce, this.licences.get(materialId)?.doc.id ?? null);
  }

  private async acceptLicence(
    materialId: string,
    answer: z.output<typeof LicenceAnswer>,
    requestNonce: string,
    replaces: string | null,
  ): Promise<Licence> {
    const identity = await this.deps.identity();
    const licence = checkLicence(answer.licence, {
      serverKey: await this.deps.serverKey(),
      deviceId: identity.deviceId,
      materialId,
    });
    const statement = await this.checkIn(answer.statement, requestNonce);
    // The licence's state as the server signed it for this request, not the unsigned `status`.
    const signed = statement.licences.find((l) => l.license_id === licence.licence_id);
    if (!signed)
      throw new ApiError('SERVER_STATEMENT_INVALID', "The server's statement does not cover this licence.");
    if (replaces && replaces !== licence.licence_id)
      await this.deps.collections.licences.findOne(replaces).remove();
    const state = signed.status === 'active' || signed.status === 'ready' ? 'active' : signed.status;
    await this.saveLicence(
      {
        id: licence.licence_id,
        materialId,
        deviceId: licence.device_id,
        issuedAt: Date.parse(licence.issued_at),
        expiresAt: Date.parse(licence.expires_at),
        state,
        token: JSON.stringify(licence),
      },
      licence,
    );
    return licence;
  }

  private async runDownload(materialId: string, signal: AbortSignal): Promise<void> {
    let cek: Uint8Array | null = null;
    try {
      const held = this.licences.get(materialId);
      const identity = await this.deps.identity();
      const licence =
        held && held.doc.state === 'active'
          ? checkLicence(JSON.parse(held.doc.token), {
              serverKey: await this.deps.serverKey(),
              deviceId: identity.deviceId,
              materialId,
            })
          : await this.takeLicence(materialId);
      let manifest: Manifest | null = null;
      const fetchUrl = async () => {
        const answer = await this.call('downloadMaterial', { params: { material_id: materialId } });
        if (
          answer.manifest.material_id !== materialId ||
          manifestHash(answer.manifest) !== licence.content.manifest_sha256
        )
          throw new ApiError('MANIFEST_MISMATCH', "The server's manifest does not match the licence.");
        manifest = answer.manifest;
        return answer.url;
      };
      const firstUrl = await fetchUrl();
      const current = manifest as Manifest | null;
      if (!current) throw new ApiError('MANIFEST_MISMATCH', 'No manifest came with the download.');
      let material = this.need(materialId);
      const stored = await this.files.loadManifest(materialId);
      // Another manifest (the material was encrypted again): what is on disk is worth nothing.
      const sameContent = stored !== null && manifestHash(stored) === manifestHash(current);
      if (!sameContent) await this.files.remove(materialId);
      await this.files.saveManifest(materialId, current);
      material = {
        ...material,
        state: 'downloading',
        sizeBytes: current.plaintext_size,
        chunkCount: current.chunk_count,
        manifestHash: licence.content.manifest_sha256,
        chunksDone: sameContent ? Math.min(material.chunksDone, current.chunk_count) : 0,
        bytesDone: sameContent ? material.bytesDone : 0,
      };
      await this.saveMaterial(material);
      cek = await unwrapForDevice(licence, identity.agreementKey);
      let usedFirst = false;
      await downloadChunks({
        url: (stale) => {
          if (!stale && !usedFirst) {
            usedFirst = true;
            return Promise.resolve(firstUrl);
          }
          return fetchUrl();
        },
        file: this.files.encrypted(materialId),
        manifest: current,
        cek,
        startAt: material.chunksDone,
        signal,
        ...(this.deps.fetchImpl ? { fetchImpl: this.deps.fetchImpl } : {}),
        onChunk: async (chunksDone, bytesDone) => {
          await this.saveMaterial({ ...this.need(materialId), state: 'downloading', chunksDone, bytesDone });
        },
      });
      await this.saveMaterial({
        ...this.need(materialId),
        state: 'ready',
        errorCode: undefined,
        error: undefined,
      });
    } catch (error) {
      const material = this.materials.get(materialId);
      if (!material) return;
      if (signal.aborted) {
        await this.saveMaterial({ ...material, state: 'paused' });
      } else if (error instanceof ChunkError) {
        await this.saveMaterial({
          ...material,
          state: 'failed',
          errorCode: error.code,
          error: `Chunk ${error.index} failed its check after several attempts (${error.message}).`,
        });
      } else {
        const code = error instanceof ApiError ? error.code : 'DOWNLOAD_FAILED';
        const message = error instanceof Error ? error.message : String(error);
        await this.saveMaterial({ ...material, state: 'failed', errorCode: code, error: message });
      }
    } finally {
      cek?.fill(0);
    }
  }

  private async dropLocalCopy(materialId: string): Promise<void> {
    const running = this.downloads.get(materialId);
    if (running) {
      running.abort.abort();
      await running.done;
    }
    this.deps.content.close(materialId);
    await this.files.remove(materialId);
    const material = this.materials.get(materialId);
    if (material)
      await this.saveMaterial({
        ...material,
        state: 'none',
        chunksDone: 0,
        bytesDone: 0,
        errorCode: undefined,
        error: undefined,
      });
  }

  /** Verifies a statement against the pinned key, this device and the nonce sent; then it is a check-in. */
  private async checkIn(statement: unknown, requestNonce: string): Promise<VerifiedStatement> {
    const identity = await this.deps.identity();
    const verified = checkStatement(statement, {
      serverKey: await this.deps.serverKey(),
      deviceId: identity.deviceId,
      requestNonce,
    });
    await this.deps.clock.serverContact(verified);
    return verified;
  }

  /** A server route signed by this laptop (the table's `device` routes, and its materials list). */
  private call<N extends LibraryRoute, R extends z.ZodType | undefined = undefined>(
    name: N,
    request: Omit<RouteRequest<N, R>, 'device'>,
  ): Promise<RouteAnswer<N, R>> {
    const serverUrl = this.deps.serverUrl();
    if (!serverUrl) throw new ApiError('NOT_ENROLLED', 'This laptop is not registered with a server.');
    const held = this.deps.serverHeld?.();
    if (held) return Promise.reject(held);
    return this.deps.identity().then((identity) =>
      callRoute(serverUrl, name, {
        timeoutMs: 30_000,
        ...request,
        device: { deviceId: identity.deviceId, key: identity.signingKey },
      } as RouteRequest<N, R>),
    );
  }

  private need(materialId: string): MaterialDoc {
    const material = this.materials.get(materialId);
    if (!material) throw new ApiError('MATERIAL_NOT_FOUND', 'This item is not in the library.');
    return material;
  }

  private async saveMaterial(material: MaterialDoc): Promise<void> {
    const doc = plain<MaterialDoc>({ ...material, updatedAt: Date.now() });
    this.materials.set(doc.id, doc);
    this.emit();
    await this.deps.collections.materials.incrementalUpsert(doc);
  }

  private async saveLicence(doc: LicenceDoc, parsed: Licence): Promise<void> {
    this.licences.set(doc.materialId, { doc, parsed });
    this.emit();
    await this.deps.collections.licences.incrementalUpsert(doc);
    await this.deps.anchor?.licenceChanged();
  }

  private item(materialId: string): LibraryItem {
    return libraryItem(this.need(materialId), this.licences.get(materialId) ?? null, {
      trustedNow: this.deps.clock.now(),
      lastCheckIn: this.deps.clock.lastCheckIn,
      renewing: this.renewing.has(materialId),
    });
  }

  private emit(): void {
    if (this.stopped) return;
    const lastCheckIn = this.deps.clock.lastCheckIn;
    const items = [...this.materials.keys()]
      .map((id) => this.item(id))
      .sort((a, b) => a.title.localeCompare(b.title));
    this.view$.next({
      items,
      lastSyncAt: lastCheckIn === null ? null : new Date(lastCheckIn).toISOString(),
      lastError: this.lastError,
    });
  }
}

/** RxDB's JSON without its meta fields, and without undefined (optional fields absent). */
function plain<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined || key.startsWith('_')) continue;
    out[key] = v;
  }
  return out as T;
}
