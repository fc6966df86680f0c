import type { Request, Response } from 'express';
import type pg from 'pg';
import type { z } from 'zod';
import type { Role, RouteName, ROUTES } from '../../protocol/http';
import type { DeviceRow } from '../devices/store';

export interface AuthUser {
  id: string;
  email: string;
  roles: Role[];
}

/**
 * The transaction of a device-signed request: it records the request's nonce first, so the
 * nonce and the handler's writes commit together or not at all. Call it at most once.
 */
export type SignedTransaction = <T>(fn: (client: pg.PoolClient) => Promise<T>) => Promise<T>;

type BodyOf<R> = R extends { body: infer S extends z.ZodType } ? z.output<S> : undefined;
type QueryOf<R> = R extends { query: infer S extends z.ZodType } ? z.output<S> : undefined;
type ParamsOf<R> = R extends { params: infer S extends z.ZodType } ? z.output<S> : Record<string, never>;
type CallerOf<R> = R extends { auth: 'device' }
  ? { device: DeviceRow; tx: SignedTransaction }
  : R extends { auth: 'enrollment' }
    ? { tx: SignedTransaction }
    : R extends { auth: 'public' }
      ? object
      : { user: AuthUser };

export type HandlerInput<R> = {
  body: BodyOf<R>;
  params: ParamsOf<R>;
  query: QueryOf<R>;
  req: Request;
  res: Response;
} & CallerOf<R>;

export interface HandlerResult<R extends { response: z.ZodType }> {
  /** Defaults to the route's status. */
  status?: number;
  body: z.input<R['response']>;
  contentType?: string;
}

export type Handler<R extends { response: z.ZodType }> = (
  input: HandlerInput<R>,
) => Promise<HandlerResult<R>>;

/** One handler per route of the table: a missing or mistyped one is a compile error. */
export type Handlers = { [K in RouteName]: Handler<(typeof ROUTES)[K]> };
