import type { KeyObject } from 'node:crypto';
import type { RxCollection } from 'rxdb';
import { z } from 'zod';
import { ApiError } from '../../../../protocol/api';
import { importPublicKey } from '../../../../protocol/crypto';
import type { SettingDoc } from '../store/settings';
import { callRoute } from '../net/route-client';

/** Settings key of the server signing key licences are checked against, once learnt. */
export const SERVER_KEY_SETTING = 'reader.serverSigningKey';

export interface ServerKeySources {
  settings: RxCollection<SettingDoc>;
  /** The build's pinned key (deploy/pinned-keys.ts), which nothing on the device can replace. */
  buildPinnedPem: string | null;
  /** The key enrollment received (POS enrollment), from the encrypted enrollment record. */
  enrolledKeyPem: () => string | null;
  serverUrl: () => string | null;
  /**
   * Whether a key may be learnt from the server's unauthenticated answer and pinned on first use.
   * Development only (browser host, tests): in a packaged build whoever controls the first contact
   * (a student's own proxy or CA) would choose the key every licence is checked against (#16).
   */
  trustOnFirstUse: boolean;
}

function ed25519(pem: string): KeyObject {
  try {
    return importPublicKey(pem);
  } catch {
    throw new ApiError('SERVER_KEY_UNKNOWN', "The server's signing key is not a valid Ed25519 public key.");
  }
}

/**
 * The Ed25519 key licences and signed server time must verify against (issue #16). In order: the
 * build's pinned key; else the key pinned in the encrypted store on first use, which nothing later
 * replaces (not the server, whose answer a proxy could forge, nor any plain file); else, the first
 * time, the key POS enrollment received (trusted on first use: the one-time code does not
 * authenticate the server's answer, so without a build key whoever answers enrollment chooses it)
 * or, in development only (trustOnFirstUse), the key the server publishes, which is then pinned. A
 * packaged laptop without a pinned key refuses with SERVER_KEY_NOT_PROVISIONED instead of trusting
 * the network. A server key rotation therefore takes a new build or a new registration of the device.
 */
export async function serverSigningKey(sources: ServerKeySources): Promise<KeyObject> {
  if (sources.buildPinnedPem) return ed25519(sources.buildPinnedPem);
  const pinnedDoc = await sources.settings.findOne(SERVER_KEY_SETTING).exec();
  const pinned = pinnedDoc ? z.string().safeParse(JSON.parse(pinnedDoc.value)) : null;
  if (pinned?.success) return ed25519(pinned.data);
  let pem = sources.enrolledKeyPem();
  if (!pem && !sources.trustOnFirstUse) {
    throw new ApiError(
      'SERVER_KEY_NOT_PROVISIONED',
      "This build does not carry the server's signing key: IT must install a provisioned build.",
    );
  }
  if (!pem) {
    const serverUrl = sources.serverUrl();
    if (!serverUrl) throw new ApiError('NOT_ENROLLED', 'This laptop is not registered with a server.');
    // The public route publishing the server's keys, for laptops: their registration answer carries
    // none (POS enrollment does). Asked once, then pinned in the encrypted store.
    const keys = await callRoute(serverUrl, 'serverKeys', {}).catch((cause: unknown) => {
      throw new ApiError(
        'SERVER_KEY_UNKNOWN',
        "The server's signing key is not known yet: connect to the server once.",
        { cause: cause instanceof Error ? cause.message : String(cause) },
      );
    });
    pem = keys.signing_public_key_pem;
  }
  const key = ed25519(pem);
  // insert, not upsert: two first uses at once must not let the second overwrite the first's pin.
  await sources.settings
    .insert({ key: SERVER_KEY_SETTING, value: JSON.stringify(pem), updatedAt: Date.now() })
    .catch(() => undefined);
  const stored = await sources.settings.findOne(SERVER_KEY_SETTING).exec();
  return stored ? ed25519(z.string().parse(JSON.parse(stored.value))) : key;
}
