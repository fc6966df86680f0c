import type { KeyObject } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { importPublicKey } from '../../protocol/crypto';
import { HttpErrorCode, ROUTES, type RouteName, type RouteSpec } from '../../protocol/http';
import { withTransaction } from '../db/tx';
import {
  assertFresh,
  assertSigned,
  consumeNonce,
  invalidSignature,
  signatureHeaders,
} from '../devices/signature';
import { authenticateDevice } from '../devices/authenticate';
import { HttpError, methodNotAllowed, validate } from '../http/errors';
import { throttleRules } from '../throttle/rules';
import { authenticateOperator, authenticateUser } from './authenticate';
import type { TrustDeps } from './deps';
import type { Handlers, SignedTransaction } from './types';

/** 400 naming the field, for keys that match the PEM shape but are not Ed25519. */
export function importDeviceKey(pem: string, path = 'pubkey_pem'): KeyObject {
  try {
    return importPublicKey(pem);
  } catch {
    throw new HttpError(400, HttpErrorCode.VALIDATION_FAILED, 'Request validation failed', [
      { path, code: 'invalid_key', message: 'must be an Ed25519 public key (SPKI PEM)' },
    ]);
  }
}

interface Untyped {
  (input: Record<string, unknown>): Promise<{ status?: number; body: unknown; contentType?: string }>;
}

/**
 * Checks done before any handler runs, in this order: who is calling (401/403/404), then the
 * input (400). A device request's nonce is recorded inside the handler's transaction.
 */
async function prepare(deps: TrustDeps, spec: RouteSpec, req: Request, res: Response) {
  const input: Record<string, unknown> = { req, res, params: {}, body: undefined };
  let signed: ReturnType<typeof signatureHeaders> | undefined;

  if (Array.isArray(spec.auth)) {
    input.user = await authenticateUser(deps, req, res, spec.auth);
  } else if (spec.auth === 'operator') {
    await authenticateOperator(deps, req, res);
  } else if (spec.auth === 'device') {
    const authenticated = await authenticateDevice(deps.pool, req, {
      allowRevoked: spec.revokedDeviceReachesHandler === true,
    });
    signed = authenticated.signed;
    input.device = authenticated.device;
  } else if (spec.auth === 'enrollment') {
    signed = signatureHeaders(req);
    assertFresh(signed);
  }
  if (spec.params) input.params = validate(spec.params, req.params);
  if (spec.query) input.query = validate(spec.query, req.query);
  if (spec.body) input.body = validate(spec.body, req.body ?? {});
  if (spec.auth === 'enrollment' && signed) {
    const body = input.body as { device_id: string; pubkey_pem: string };
    const key = importDeviceKey(body.pubkey_pem);
    if (body.device_id !== signed.deviceId)
      throw invalidSignature('Signing device is not the enrolling device');
    assertSigned(req, signed, key);
  }
  return { input, signed };
}

function routeHandler(deps: TrustDeps, name: RouteName, spec: RouteSpec, handler: Untyped) {
  return async (req: Request, res: Response) => {
    // No API answer is kept by a browser or a proxy: sessions, people, tokens and CSV exports would
    // outlive the sign-out in a disk cache (red-team pass 11). Errors too; a file route sets its own.
    res.setHeader('Cache-Control', 'no-store');
    const { input, signed } = await prepare(deps, spec, req, res);
    // After the input is known to be well formed, before the handler's costly work (scrypt,
    // opening a bundle): a refused request costs two small upserts.
    // A push's body is the envelope its handler parses itself: only string fields are read from it.
    const rules = throttleRules(name, req, spec.body ? input.body : (req.body as unknown), deps);
    const pass = rules.length > 0 ? await deps.throttle.enter(rules, res) : undefined;
    let consumed = false;
    if (signed) {
      const tx: SignedTransaction = (fn) =>
        withTransaction(deps.pool, async (client) => {
          if (consumed) throw new Error(`${name}: the signed transaction may run only once`);
          consumed = true;
          await consumeNonce(client, signed);
          return fn(client);
        });
      input.tx = tx;
    }
    const result = await handler(input);
    if (signed && !consumed) await withTransaction(deps.pool, (client) => consumeNonce(client, signed));
    await pass?.succeeded();
    // The handler has streamed the answer itself (a file); there is no body to check.
    if (spec.responseType === 'binary') return;

    // Answers are parsed too: only declared fields leave the server (never a hash or a key).
    const parsed = spec.response.safeParse(result.body);
    if (!parsed.success)
      throw new Error(`${name}: response does not match its schema: ${parsed.error.message}`);
    const status = result.status ?? spec.status;
    if (status === 204) res.status(204).end();
    else if (spec.responseType === 'text') {
      res
        .status(status)
        .type(result.contentType ?? 'text/plain')
        .send(parsed.data);
    } else res.status(status).json(parsed.data);
  };
}

/** The router of every route in protocol/http/routes.ts, wired to `handlers`. */
export function buildRouter(deps: TrustDeps, handlers: Handlers): Router {
  const router = Router();
  const methodsByPath = new Map<string, string[]>();
  for (const [name, spec] of Object.entries(ROUTES) as [keyof Handlers, RouteSpec][]) {
    const handle = routeHandler(deps, name, spec, handlers[name] as unknown as Untyped);
    if (spec.method === 'GET') router.get(spec.path, handle);
    else if (spec.method === 'POST') router.post(spec.path, handle);
    else router.delete(spec.path, handle);
    const methods = methodsByPath.get(spec.path) ?? [];
    methods.push(...(spec.method === 'GET' ? ['GET', 'HEAD'] : [spec.method]));
    methodsByPath.set(spec.path, methods);
  }
  for (const [path, methods] of methodsByPath) router.all(path, methodNotAllowed(methods));
  return router;
}
