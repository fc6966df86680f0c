import type { KeyObject } from 'node:crypto';
import type { z } from 'zod';
import { ROUTES, type RouteName, type RouteSpec } from '../../../../protocol/http/routes';
import { serverRequest } from './server-client';

/**
 * The core's one way to call a server route: by its name in the route table
 * (protocol/http/routes.ts), which gives the method, the path and its parameters, the request and
 * answer schemas and who may call it. The credentials a call takes follow the table: a bearer token
 * for a role route, the device's signature for `device` and `enrollment` routes, nothing on a
 * public route unless the table names the credentials its handler reads (`callerAuth`).
 */

type Spec<N extends RouteName> = (typeof ROUTES)[N];

export interface DeviceCredential {
  deviceId: string;
  key: KeyObject;
}

type ParamsOf<N extends RouteName> =
  Spec<N> extends { params: infer S } ? { params: z.input<S> } : { params?: never };
type BodyOf<N extends RouteName> =
  Spec<N> extends { body: infer S }
    ? { body: z.input<S> }
    : Spec<N>['method'] extends 'GET'
      ? { body?: never }
      : // A body the table leaves to its handler (a pushed bundle's envelope).
        { body?: unknown };
type CallerOf<N extends RouteName> = Spec<N>['auth'] extends 'device' | 'enrollment'
  ? { device: DeviceCredential; bearer?: never }
  : Spec<N>['auth'] extends readonly string[]
    ? { bearer: string; device?: never }
    : Spec<N> extends { callerAuth: readonly (infer C)[] }
      ? ('device' extends C ? { device?: DeviceCredential } : { device?: never }) &
          ('bearer' extends C ? { bearer?: string } : { bearer?: never })
      : { device?: never; bearer?: never };

export type RouteRequest<N extends RouteName, R extends z.ZodType | undefined> = ParamsOf<N> &
  BodyOf<N> &
  CallerOf<N> & {
    /** Query parameters, appended in order. */
    query?: URLSearchParams;
    /** A stricter reading of the route's answer than the table's (a field the app requires). */
    response?: R;
    timeoutMs?: number;
  };

/** The route's path with its `:name` segments filled in, each checked by the route's schema. */
export function routePath(spec: RouteSpec, params: Record<string, unknown> | undefined): string {
  const checked = (spec.params ? spec.params.parse(params ?? {}) : {}) as Record<string, unknown>;
  return spec.path.replace(/:([a-z_]+)/g, (_, name: string) => {
    const value = checked[name];
    if (typeof value !== 'string' && typeof value !== 'number')
      throw new Error(`Route ${spec.path} needs the parameter ${name}`);
    return encodeURIComponent(String(value));
  });
}

/** What a call answers: the route's response, or the stricter schema the caller gave. */
export type RouteAnswer<N extends RouteName, R extends z.ZodType | undefined> = R extends z.ZodType
  ? z.output<R>
  : z.output<Spec<N>['response']>;

export async function callRoute<N extends RouteName, R extends z.ZodType | undefined = undefined>(
  baseUrl: string,
  name: N,
  request: RouteRequest<N, R>,
): Promise<RouteAnswer<N, R>> {
  const spec: RouteSpec = ROUTES[name];
  const { params, body, device, bearer, query, response, timeoutMs } = request as {
    params?: Record<string, unknown>;
    body?: unknown;
    device?: DeviceCredential;
    bearer?: string;
    query?: URLSearchParams;
    response?: z.ZodType;
    timeoutMs?: number;
  };
  const allowed = callerCredentials(spec);
  // The types already say so; a caller that casts its way past them is stopped here.
  if (device && !allowed.has('device'))
    throw new Error(`Route ${name} is not signed: the table does not ask a device signature`);
  if (bearer && !allowed.has('bearer')) throw new Error(`Route ${name} takes no bearer token`);
  if (spec.body && !spec.body.safeParse(body).success)
    throw new Error(`The request to ${name} does not match the route's body schema`);
  const search = query?.toString();
  return (await serverRequest(baseUrl, {
    method: spec.method,
    path: `${routePath(spec, params)}${search ? `?${search}` : ''}`,
    ...(body === undefined ? {} : { body }),
    ...(device ? { device } : {}),
    ...(bearer ? { bearer } : {}),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    response: response ?? spec.response,
  })) as RouteAnswer<N, R>;
}

function callerCredentials(spec: RouteSpec): ReadonlySet<'device' | 'bearer'> {
  if (spec.auth === 'device' || spec.auth === 'enrollment') return new Set(['device']);
  if (spec.auth === 'public') return new Set(spec.callerAuth ?? []);
  return new Set(['bearer']);
}
