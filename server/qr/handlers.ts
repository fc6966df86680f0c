import { importPublicKey } from '../../protocol/crypto/ed25519';
import { signServerStatement } from '../../protocol/licence';
import { issuerListSha256 } from '../../protocol/qr/issuer-list';
import { withTransaction } from '../db/tx';
import { requirePaymentTerminal } from '../devices/terminal';
import { HttpError } from '../http/errors';
import type { TrustDeps } from '../routes/deps';
import type { Handlers } from '../routes/types';
import { activeIssuerKeys, upsertIssuerKey } from './store';

export function qrHandlers(deps: TrustDeps): Pick<Handlers, 'upsertQrIssuer' | 'listQrIssuers'> {
  return {
    upsertQrIssuer: async ({ body, user }) => {
      try {
        importPublicKey(body.public_key);
      } catch {
        throw new HttpError(400, 'QR_ISSUER_KEY_INVALID', 'public_key is not an Ed25519 public key');
      }
      return { body: await withTransaction(deps.pool, (client) => upsertIssuerKey(client, body, user.id)) };
    },
    // Read inside the signed transaction so the request's nonce is recorded with the answer.
    listQrIssuers: async ({ query, device, tx }) => {
      requirePaymentTerminal(device);
      const issuers = await tx((client) => activeIssuerKeys(client));
      // A till keeps these keys only on this, bound to its request (#16, M1 of the sixth review).
      const statement = signServerStatement(deps.keys.signing, {
        device_id: device.device_id,
        request_nonce: query.request_nonce ?? null,
        server_time: new Date().toISOString(),
        licences: [],
        answer_sha256: issuerListSha256(issuers),
      });
      return { body: { issuers, statement } };
    },
  };
}
