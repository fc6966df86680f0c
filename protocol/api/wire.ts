import { z } from 'zod';
import { ApiErrorBody } from './errors';

/**
 * Messages a transport carries. IPC and WebSocket share them, so the client and the server side of
 * every transport are written once. Names and inputs stay `unknown` here: the dispatcher validates
 * them against the contract table.
 */
const Id = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const ClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('call'), id: Id, method: z.string().max(128), input: z.unknown() }),
  z.object({ type: z.literal('subscribe'), id: Id, topic: z.string().max(128), input: z.unknown() }),
  z.object({ type: z.literal('unsubscribe'), id: Id }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

export const ServerMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('result'), id: Id, value: z.unknown() }),
  z.object({ type: z.literal('error'), id: Id, error: ApiErrorBody }),
  z.object({ type: z.literal('item'), id: Id, item: z.unknown() }),
  z.object({ type: z.literal('end'), id: Id, error: ApiErrorBody.optional() }),
  /** Sent for a message that could not be parsed at all, so it has no id to answer. */
  z.object({ type: z.literal('protocol-error'), error: ApiErrorBody }),
]);
export type ServerMessage = z.infer<typeof ServerMessage>;

/** Largest message the WebSocket host accepts; larger ones close the socket with 1009. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
