/**
 * Public keys this build trusts, pinned at build time. `npm run package` rewrites this file from
 * OUTPOST_ORG_PUBLIC_KEYS and OUTPOST_RELEASE_PUBLIC_KEYS (see src-main/core/deploy/pin-keys-cli.ts
 * and docs/deployment.md) and refuses to package without them. The committed values are empty: a
 * development build trusts no provisioning file and no update, and says so. Tests inject their own.
 */

/** Organisation keys that may sign provisioning files (SPKI PEM or raw base64url Ed25519). */
export const PINNED_ORG_KEYS: readonly string[] = [];

/** Release keys that may sign update manifests, by key id; two during a rotation. */
export const PINNED_RELEASE_KEYS: readonly { id: string; publicKey: string }[] = [];

/** The server's signing key, when the build pins it: licences and signed server time verify against it alone. */
export const PINNED_SERVER_SIGNING_KEY: string | null = null;
