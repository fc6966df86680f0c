import { describe, expect, it } from 'vitest';
import { generateEd25519 } from '../crypto/ed25519';
import { LicenceError } from './errors';
import { newRequestNonce, signServerStatement, verifyServerStatement } from './server-statement';

const server = generateEd25519();
const other = generateEd25519();
const nonce = newRequestNonce();
const statement = signServerStatement(
  { privateKey: server.privateKey, kid: 'k1' },
  {
    device_id: 'laptop-7',
    request_nonce: nonce,
    server_time: '2025-03-01T08:00:00.000Z',
    licences: [
      {
        license_id: '7c0e6f1e-8a57-4a3b-9d55-2f1f3f0a4c11',
        status: 'revoked',
        expires_at: '2025-03-31T08:00:00.000Z',
      },
    ],
  },
);
const expected = { serverPublicKey: server.publicKey, deviceId: 'laptop-7', requestNonce: nonce };

function refusal(input: unknown, options = expected): string {
  try {
    verifyServerStatement(input, options);
    return 'accepted';
  } catch (error) {
    return error instanceof LicenceError ? `${error.code}: ${error.message}` : String(error);
  }
}

describe('server statements', () => {
  it('verify for the device and the nonce they were signed for', () => {
    expect(verifyServerStatement(statement, expected)).toEqual(statement);
  });

  it('refuse an edited field, another key, another device, another nonce, a missing nonce, extra fields', () => {
    const edited = { ...statement, licences: [{ ...statement.licences[0]!, status: 'active' }] };
    expect(refusal(edited)).toMatch(/^STATEMENT_INVALID: .*not signed/);
    expect(refusal({ ...statement, server_time: '2024-03-01T08:00:00.000Z' })).toMatch(/not signed/);
    expect(refusal(statement, { ...expected, serverPublicKey: other.publicKey })).toMatch(/not signed/);
    expect(refusal(statement, { ...expected, deviceId: 'laptop-8' })).toMatch(/another device/);
    expect(refusal(statement, { ...expected, requestNonce: newRequestNonce() })).toMatch(/another request/);
    const unbound = signServerStatement(
      { privateKey: server.privateKey, kid: 'k1' },
      {
        device_id: statement.device_id,
        request_nonce: null,
        server_time: statement.server_time,
        licences: statement.licences,
      },
    );
    expect(refusal(unbound)).toMatch(/another request/);
    expect(refusal({ ...statement, extra: 1 })).toMatch(/malformed/);
    expect(refusal(undefined)).toMatch(/malformed/);
  });

  it("sign a till's policy field by field, and refuse it edited or with a field added or missing", () => {
    const policy = {
      country: 'SN',
      currency: 'XOF',
      max_offline_amount: 100_000,
      max_offline_per_device_per_day: 50,
      max_unsynced_amount: 500_000,
      max_bundle_age_hours: 72,
      approval_threshold: 50_000,
      enabled: true,
      version: 2,
      updated_at: '2025-03-01T08:00:00.000Z',
    };
    const signed = signServerStatement(
      { privateKey: server.privateKey, kid: 'k1' },
      // A field the policy type does not have is left out of what is signed, never carried along.
      { ...statement, licences: [], policy: { ...policy, note: 'unsigned' } as typeof policy },
    );
    expect(verifyServerStatement(signed, expected).policy).toEqual(policy);
    expect(refusal({ ...signed, policy: { ...policy, approval_threshold: 900_000 } })).toMatch(/not signed/);
    expect(refusal({ ...signed, policy: { ...policy, extra: 1 } })).toMatch(/malformed/);
    const { max_bundle_age_hours: _dropped, ...short } = policy;
    expect(refusal({ ...signed, policy: short })).toMatch(/malformed/);
    expect(refusal({ ...signed, policy: null })).toMatch(/not signed/);
  });

  it("signs a till's answer digest, device status and HPKE key, and refuses each edited or added", () => {
    const signed = signServerStatement(
      { privateKey: server.privateKey, kid: 'k1' },
      {
        ...statement,
        licences: [],
        answer_sha256: 'a'.repeat(64),
        device_status: 'active',
        hpke: { public_key: 'K'.repeat(43), key_id: 'x25519:abc' },
      },
    );
    expect(verifyServerStatement(signed, expected)).toMatchObject({
      answer_sha256: 'a'.repeat(64),
      device_status: 'active',
      hpke: { public_key: 'K'.repeat(43), key_id: 'x25519:abc' },
    });
    expect(refusal({ ...signed, answer_sha256: 'b'.repeat(64) })).toMatch(/not signed/);
    expect(refusal({ ...signed, device_status: 'revoked' })).toMatch(/not signed/);
    expect(refusal({ ...signed, hpke: { ...signed.hpke!, public_key: 'P'.repeat(43) } })).toMatch(
      /not signed/,
    );
    expect(refusal({ ...signed, hpke: { ...signed.hpke!, key_id: 'x25519:other' } })).toMatch(/not signed/);
    expect(refusal({ ...signed, answer_sha256: 'A'.repeat(64) })).toMatch(/malformed/);
    // Absent from a statement signed without them: adding one breaks the signature.
    expect(refusal({ ...statement, device_status: 'revoked' })).toMatch(/not signed/);
  });
});
