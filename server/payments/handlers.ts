import type { Request, Response } from 'express';
import {
  PAYMENT_ERROR_STATUS,
  PaymentErrorCode,
  pullAnswerSha256,
  pushAnswerSha256,
  pushedBundleIds,
  pushRefusalSha256,
} from '../../protocol/http';
import { signServerStatement } from '../../protocol/licence';
import { appendAudit } from '../audit/chain';
import { upsertItems } from '../catalog/store';
import { withTransaction } from '../db/tx';
import { authenticateDevice } from '../devices/authenticate';
import { recordClockOffset } from '../devices/clock';
import { consumeNonce } from '../devices/signature';
import { requirePaymentTerminal } from '../devices/terminal';
import { HttpError } from '../http/errors';
import { authenticateUser } from '../routes/authenticate';
import type { TrustDeps } from '../routes/deps';
import type { Handlers } from '../routes/types';
import { awaitsReview, decideReview } from './bundle-states';
import { pullPage, parseCursor } from './pull';
import { qrAlreadyCredited } from './qr-uses';
import { createPushService, enqueue } from './push';
import { bundleView, findBundle } from './store';
import { rosterOf } from '../cashiers/store';

// listReview, paged and filtered, is with the back office's sales (server/sales/review.ts).
type PaymentHandlerNames = 'pushBundle' | 'bundleStatus' | 'pullPayments' | 'upsertCatalog' | 'decideReview';

/**
 * A push's refusal (a 4xx the till takes as final) signed for the envelope's device, naming the
 * bundle, the code and the envelope refused (protocol/http/push-refusal.ts): a till believes no
 * other (issue #16, 12th pass M-A). A body naming no device and bundle stays unsigned.
 */
function signedRefusal(deps: TrustDeps, error: unknown, body: unknown): unknown {
  if (!(error instanceof HttpError) || error.status < 400 || error.status >= 500) return error;
  const ids = pushedBundleIds(body);
  if (!ids) return error;
  try {
    error.statement = signServerStatement(deps.keys.signing, {
      device_id: ids.device_id,
      request_nonce: null,
      server_time: new Date().toISOString(),
      licences: [],
      answer_sha256: pushRefusalSha256({ bundle_id: ids.bundle_id, code: error.code, envelope: body }),
    });
  } catch {
    // A body canonical JSON cannot spell (no till's): its refusal stays unsigned.
  }
  return error;
}

const notFound = () =>
  new HttpError(PAYMENT_ERROR_STATUS.BUNDLE_NOT_FOUND, PaymentErrorCode.BUNDLE_NOT_FOUND, 'Bundle not found');

export function paymentHandlers(deps: TrustDeps): Pick<Handlers, PaymentHandlerNames> {
  const { pool } = deps;
  const service = createPushService({
    pool,
    logger: deps.logger,
    hpkePrivateKey: deps.keys.hpke.privateKey,
    hpkePublicKeyRaw: deps.keys.hpke.publicKeyRaw,
  });

  /**
   * GET /offline/bundles/:id accepts two callers: the device that pushed the bundle (signature
   * headers, checked exactly as for device routes, nonce recorded) or ops / pay_admin (bearer).
   */
  async function caller(
    req: Request,
    res: Response,
  ): Promise<{ deviceId: string | null; consume: () => Promise<void> }> {
    if (req.get('x-outpost-device') === undefined && req.get('x-outpost-signature') === undefined) {
      await authenticateUser(deps, req, res, ['ops', 'pay_admin']);
      return { deviceId: null, consume: async () => undefined };
    }
    const { device, signed } = await authenticateDevice(pool, req);
    // Recorded only when the answer is a success, like every device route: a refusal writes nothing.
    return {
      deviceId: device.device_id,
      consume: () => withTransaction(pool, (client) => consumeNonce(client, signed)),
    };
  }

  return {
    pushBundle: async ({ req }) => {
      const answer = await service.push(req.body).catch((error: unknown) => {
        throw signedRefusal(deps, error, req.body);
      });
      // Only a bundle whose device signature verified gets here: the envelope names its device.
      const deviceId = (req.body as { device_id: string }).device_id;
      // The till marks its sales with this status only when this verifies (#16).
      const statement = signServerStatement(deps.keys.signing, {
        device_id: deviceId,
        request_nonce: null,
        server_time: answer.server_time,
        licences: [],
        answer_sha256: pushAnswerSha256(answer),
      });
      return { body: { ...answer, statement } };
    },

    bundleStatus: async ({ params, query, req, res }) => {
      const { deviceId, consume } = await caller(req, res);
      // A device sees only its own bundle of that id; another device's answers 404 like none.
      if (deviceId !== null && query.device_id !== undefined && query.device_id !== deviceId)
        throw notFound();
      const row = await findBundle(pool, {
        bundleId: params.bundle_id,
        deviceId: deviceId ?? query.device_id,
      });
      if (!row) throw notFound();
      const view = await bundleView(pool, row);
      await consume();
      return { body: view };
    },

    pullPayments: async ({ req, query, device, tx }) => {
      requirePaymentTerminal(device);
      const position = parseCursor(query.since);
      if (!position)
        throw new HttpError(400, 'VALIDATION_FAILED', 'Request validation failed', [
          { path: 'since', code: 'invalid_format', message: 'a cursor from a previous answer' },
        ]);
      const page = await tx(async (client) => {
        await recordClockOffset(client, device.device_id, req);
        const page = await pullPage(client, device, position, query.limit, query.catalog === '2');
        // The shop's cashiers, signed (issue #19): only ever the pulling till's own tenant's.
        if (query.roster !== '1') return page;
        return { ...page, roster: await rosterOf(client, device, deps.keys.signing, new Date()) };
      });
      // The till saves the policy and moves its clock only on this, bound to its request (#16).
      const statement = signServerStatement(deps.keys.signing, {
        device_id: device.device_id,
        request_nonce: query.request_nonce ?? null,
        server_time: page.server_time,
        licences: [],
        policy: page.policy,
        // Catalog, outcomes and cursor: the till applies none of them unless this digest matches.
        answer_sha256: pullAnswerSha256(page),
      });
      return { body: { ...page, statement } };
    },

    upsertCatalog: async ({ body: { items, ...tenant }, user }) => {
      const changed = await withTransaction(pool, (client) =>
        upsertItems(client, tenant, items, { actorId: user.id, action: 'catalog.upserted' }),
      );
      return { body: { changed, total: new Set(items.map((i) => i.sku)).size } };
    },

    decideReview: async ({ params, query, body, user }) => {
      const view = await withTransaction(pool, async (client) => {
        const row = await findBundle(client, { bundleId: params.bundle_id, deviceId: query.device_id }, true);
        if (!row) throw notFound();
        if (!awaitsReview(row.status))
          throw new HttpError(
            PAYMENT_ERROR_STATUS.REVIEW_NOT_PENDING,
            PaymentErrorCode.REVIEW_NOT_PENDING,
            `Bundle is ${row.status}, not waiting for review`,
          );
        const approve = body.decision === 'approve';
        // One customer QR is one payment: not credited to a second sale (red-team pass 11, M-2).
        const credited = approve ? await qrAlreadyCredited(client, row) : [];
        if (credited.length > 0)
          throw new HttpError(
            PAYMENT_ERROR_STATUS.QR_ALREADY_CREDITED,
            PaymentErrorCode.QR_ALREADY_CREDITED,
            credited[0]!.other_bundle_id === row.bundle_id && credited[0]!.other_device_id === row.device_id
              ? `Sales ${credited[0]!.sale_id} and ${credited[0]!.other_sale_id} of this bundle were paid with one QR: approving would credit it twice; reject the bundle`
              : `Sale ${credited[0]!.sale_id} was paid with a QR already credited to sale ${credited[0]!.other_sale_id} of ${credited[0]!.other_device_id}: reject one of the two`,
            { conflicts: credited.slice(0, 20) },
          );
        await decideReview(client, row, { approve, userId: user.id, note: body.note });
        await client.query(
          `UPDATE offline_transactions SET status = $3
           WHERE device_id = $1 AND bundle_id = $2 AND status = 'held'`,
          [row.device_id, row.bundle_id, approve ? 'pending' : 'rejected'],
        );
        if (approve) await enqueue(client, row.device_id, row.bundle_id);
        await appendAudit(client, {
          actorType: 'user',
          actorId: user.id,
          action: approve ? 'bundle.review_approved' : 'bundle.review_rejected',
          targetType: 'bundle',
          targetId: row.bundle_id,
          details: {
            from: row.status,
            note: body.note,
            sira_score: row.sira_score,
            device_id: row.device_id,
          },
        });
        const updated = await findBundle(client, { bundleId: row.bundle_id, deviceId: row.device_id });
        return bundleView(client, updated!);
      });
      return { body: view };
    },
  };
}
