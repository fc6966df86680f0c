import type { KeyObject } from 'node:crypto';
import { BehaviorSubject, type Observable } from 'rxjs';
import { z } from 'zod';
import { ApiError, type Enrollment } from '../../../protocol/api';
import {
  callRoute,
  checkPolicyStatement,
  checkRevocation,
  enrollWithCode,
  loadOrCreateIdentity,
  type DeviceIdentity,
} from '@outpost/terminal-sdk';
import { readMachineId } from '../../../native/device';
import type { KeyStore } from '../../../native/keystore';
import type { EnrollmentRecord, EnrollmentStore } from './enrollment-store';
import { CheckInResponse, DeviceRecord } from '../../../protocol/http/devices';
import { newRequestNonce } from '../../../protocol/licence';

export interface IdentityView {
  deviceId: string | null;
  fingerprint: string | null;
  error: string | null;
}

/** The check-in answer as read here: a missing statement is POLICY_STATEMENT_INVALID, not "not understood". */
const CheckInAnswer = CheckInResponse.extend({ statement: z.unknown().optional() });

/** Keychain account of the signed-in student's refresh token (laptops only). */
export const REFRESH_TOKEN_ACCOUNT = 'user:refresh-token';

/**
 * The device's identity and its standing with the server: enrollment (POS code or student
 * sign-in) and check-ins, which bring server time and policy and reveal revocation.
 */
export class DeviceService {
  private identity: DeviceIdentity | null = null;
  private readonly view = new BehaviorSubject<IdentityView>({
    deviceId: null,
    fingerprint: null,
    error: null,
  });

  constructor(
    private readonly keyStore: KeyStore,
    private readonly store: EnrollmentStore,
    private readonly platform: string,
    /**
     * The server signing key signed policy and time must verify against (trust/server-key.ts). At
     * enrollment, before the record is saved, the answer's key is passed as the one enrollment
     * received; a key the build pins (or one pinned earlier) still comes first.
     */
    private readonly serverKey: (enrolledKeyPem?: string) => Promise<KeyObject>,
  ) {}

  /** Reads (or creates) the identity; a keychain failure is reported, not fatal, so the UI can say so. */
  async start(): Promise<void> {
    await this.signingIdentity().catch(() => undefined);
  }

  /**
   * The identity with its private keys, read from the keychain once and shared by enrollment, sales
   * and sync. While the keychain is unavailable every call tries again, so the device recovers
   * without a restart once it is unlocked.
   */
  async signingIdentity(): Promise<DeviceIdentity> {
    if (this.identity) return this.identity;
    try {
      this.identity = await loadOrCreateIdentity(this.keyStore, { machineId: readMachineId });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.view.next({ deviceId: null, fingerprint: null, error: message });
      throw new ApiError(
        'KEYCHAIN_UNAVAILABLE',
        `This device has no identity: the OS keychain could not be used (${message}).`,
      );
    }
    this.view.next({ deviceId: this.identity.deviceId, fingerprint: this.identity.fingerprint, error: null });
    return this.identity;
  }

  get identityView(): Observable<IdentityView> {
    return this.view.asObservable();
  }

  get enrollment(): Enrollment {
    return this.store.current.enrollment;
  }

  get enrollmentChanges(): Observable<EnrollmentRecord> {
    return this.store.changes;
  }

  private requireNotEnrolled(): void {
    if (this.store.current.enrollment.state === 'enrolled') {
      throw new ApiError('CONFLICT', 'This device is already enrolled.');
    }
  }

  async redeemCode(serverUrl: string, code: string): Promise<Enrollment> {
    this.requireNotEnrolled();
    const identity = await this.signingIdentity();
    const record = await this.store.save(
      await enrollWithCode({
        serverUrl,
        code,
        identity,
        platform: this.platform,
        serverKey: (enrolledKeyPem) => this.serverKey(enrolledKeyPem),
      }),
    );
    return record.enrollment;
  }

  async registerLaptop(
    serverUrl: string,
    input: { email: string; password: string; name: string },
  ): Promise<Enrollment> {
    this.requireNotEnrolled();
    const identity = await this.signingIdentity();
    const session = await callRoute(serverUrl, 'signIn', {
      body: { email: input.email, password: input.password },
    });
    await this.keyStore.set(REFRESH_TOKEN_ACCOUNT, Buffer.from(session.refresh_token));
    await callRoute(serverUrl, 'registerUserDevice', {
      bearer: session.access_token,
      body: {
        device_id: identity.deviceId,
        fingerprint: identity.fingerprint,
        name: input.name,
        platform: this.platform,
        pubkey_pem: identity.signingPublicKeyPem,
        x25519_pub: identity.agreementPublicKey,
      },
      response: DeviceRecord,
    });
    const now = new Date().toISOString();
    const record = await this.store.save({
      ...this.store.current,
      enrollment: {
        state: 'enrolled',
        mode: 'laptop',
        serverUrl,
        tenant: null,
        country: null,
        currency: null,
        userEmail: session.user.email,
        enrolledAt: now,
        lastCheckInAt: now,
      },
    });
    return record.enrollment;
  }

  /** Confirms standing with the server; a revoked device learns it here and stops trading. */
  async checkIn(): Promise<Enrollment> {
    const current = this.store.current;
    if (current.enrollment.state !== 'enrolled' || !current.enrollment.serverUrl) return current.enrollment;
    const identity = await this.signingIdentity();
    const requestNonce = newRequestNonce();
    let answer;
    try {
      answer = await callRoute(current.enrollment.serverUrl, 'checkIn', {
        body: { fingerprint: identity.fingerprint, request_nonce: requestNonce },
        device: { deviceId: identity.deviceId, key: identity.signingKey },
        response: CheckInAnswer,
      });
    } catch (error) {
      if (error instanceof ApiError && error.code === 'DEVICE_NOT_FOUND') {
        // Only the server's signed word for this request revokes; a bare 404 is REVOCATION_UNVERIFIED (#16).
        checkRevocation(error, {
          serverKey: await this.serverKey(),
          deviceId: identity.deviceId,
          requestNonce,
        });
        return (
          await this.store.save({ ...current, enrollment: { ...current.enrollment, state: 'revoked' } })
        ).enrollment;
      }
      throw error;
    }
    // Before anything is saved: an answer that does not verify changes nothing (#16).
    // The statement says the till is active: the answer's own `status` is not signed (#16).
    const standing = checkPolicyStatement(
      answer.statement,
      { serverKey: await this.serverKey(), deviceId: identity.deviceId, requestNonce },
      { active: true },
    );
    const now = new Date();
    const record = await this.store.save({
      ...current,
      enrollment: {
        ...current.enrollment,
        state: 'enrolled',
        lastCheckInAt: now.toISOString(),
      },
      policy: standing.policy,
      serverClockOffsetMs: Date.parse(standing.serverTime) - now.getTime(),
    });
    return record.enrollment;
  }

  close(): void {
    this.view.complete();
  }
}
