import { createPublicKey, type KeyObject } from 'node:crypto';
import type { RxCollection } from 'rxdb';
import { z } from 'zod';
import { ApiError } from '../../../protocol/api';
import { ServerPublicKeys } from '../../../protocol/http/devices';
import type { SettingDoc } from '../store/schemas/settings';
import { serverRequest } from '../net/server-client';

/** Settings key of the server signing key licences are checked against, once learnt. */
export const SERVER_KEY_SETTING = 'reader.serverSigningKey';

/**
 * Public route that publishes the server's keys, for laptops: their registration answer carries
 * none (POS enrollment does). Asked once, then pinned in the encrypted store.
 */
export const SERVER_KEYS_PATH = '/api/v1/offline/server-keys';

export interface ServerKeySources {
  settings: RxCollection<SettingDoc>;
  /** The key enrollment received (POS enrollment), if any. */
  enrolledKeyPem: () => string | null;
  serverUrl: () => string | null;
}

/**
 * The Ed25519 key licences must verify against. Pinned in the encrypted store (not a plain file a
 * user could swap for a key of their own): enrollment's key when there is one, otherwise the
 * server's published key on first use.
 */
export async function serverSigningKey(sources: ServerKeySources): Promise<KeyObject> {
  const enrolled = sources.enrolledKeyPem();
  const pinnedDoc = await sources.settings.findOne(SERVER_KEY_SETTING).exec();
  const pinned = pinnedDoc ? z.string().safeParse(JSON.parse(pinnedDoc.value)) : null;
  let pem = enrolled ?? (pinned?.success ? pinned.data : null);
  if (!pem) {
    const serverUrl = sources.serverUrl();
    if (!serverUrl) throw new ApiError('NOT_ENROLLED', 'This laptop is not registered with a server.');
    const keys = await serverRequest(serverUrl, {
      method: 'GET',
      path: SERVER_KEYS_PATH,
      response: ServerPublicKeys,
    }).catch((cause: unknown) => {
      throw new ApiError(
        'SERVER_KEY_UNKNOWN',
        "The server's signing key is not known yet: connect to the server once.",
        { cause: cause instanceof Error ? cause.message : String(cause) },
      );
    });
    pem = keys.signing_public_key_pem;
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new ApiError('SERVER_KEY_UNKNOWN', "The server's signing key is not a valid public key.");
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new ApiError('SERVER_KEY_UNKNOWN', "The server's signing key is not an Ed25519 key.");
  if (!pinned?.success || pinned.data !== pem)
    await sources.settings.upsert({
      key: SERVER_KEY_SETTING,
      value: JSON.stringify(pem),
      updatedAt: Date.now(),
    });
  return key;
}
