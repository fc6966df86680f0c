import type { Observable } from 'rxjs';
import { z } from 'zod';
import {
  ApiError,
  commands,
  isCommandName,
  isSubscriptionName,
  subscriptions,
  type ApiErrorBody,
} from '../../../protocol/api';
import {
  CARD_DATA_DISCARDED,
  CARD_DATA_MESSAGE,
  holdsCardData,
  redactCardData,
} from '../../../protocol/card-data';
import { C0_CONTROLS, controlCharacterPath, NO_CONTROLS_MESSAGE } from '../../../protocol/text';
import type { ApiHandlers } from './handlers';
import { diskFullRefusal } from './store-refusal';

/**
 * Transport-independent entry points: every transport (IPC, WebSocket) hands raw, untrusted names and
 * inputs here, so validation happens once, at the boundary, whatever carried the message.
 */

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) {
    // The last check before a refusal leaves for the renderer: no message or detail repeats card data.
    const text = `${error.message} ${safeJson(error.details)}`;
    return holdsCardData(text) ? new ApiError(CARD_DATA_DISCARDED, CARD_DATA_MESSAGE) : error;
  }
  // The core's own failures are not the caller's fault and their text may hold paths or secrets;
  // the log gets the stack with any card data masked. A full disk is not a fault of ours either,
  // and the cashier must hear that the sale was not recorded, in words they can act on.
  const full = diskFullRefusal(error);
  console.error(
    full ? '[core] a write found the disk full' : '[core] unexpected error',
    redactCardData(error instanceof Error ? (error.stack ?? error.message) : String(error)),
  );
  return full ?? new ApiError('INTERNAL', 'Something went wrong inside the app. Details are in its log.');
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

function parseInput<S extends z.ZodType>(schema: S, input: unknown, name: string): z.output<S> {
  // One scan of every string (and key) before any schema, as the server does: a NUL or other control
  // character from the renderer would otherwise reach the store and the pushed sales through any
  // field whose schema is a plain z.string(). No field of a UI call needs a line break either.
  const path = controlCharacterPath(input, C0_CONTROLS);
  if (path !== undefined)
    throw new ApiError(
      'CONTROL_CHARACTERS',
      `Invalid input for ${name}: ${path || 'input'} ${NO_CONTROLS_MESSAGE}`,
      {
        path,
      },
    );
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) {
    // Card data sent where it does not fit (a 16-digit "barcode") is named as such, not as bad input.
    if (holdsCardData(safeJson(input))) throw new ApiError(CARD_DATA_DISCARDED, CARD_DATA_MESSAGE);
    throw new ApiError('INVALID_INPUT', `Invalid input for ${name}: ${z.prettifyError(parsed.error)}`, {
      issues: parsed.error.issues.map(({ path, message, code }) => ({ path, message, code })),
    });
  }
  return parsed.data;
}

export async function callCommand(handlers: ApiHandlers, method: unknown, input: unknown): Promise<unknown> {
  if (!isCommandName(method)) {
    throw new ApiError('UNKNOWN_METHOD', `Unknown command: ${String(method).slice(0, 128)}`);
  }
  const spec = commands[method];
  const value = parseInput(spec.input, input, method);
  const handler = handlers.commands[method] as (input: unknown) => Promise<unknown>;
  const output = await handler(value);
  // A handler returning something off-contract is our bug; catching it here keeps it from the UI.
  return spec.output.parse(output);
}

export interface SubscriptionSink {
  item(item: unknown): void;
  end(error?: ApiErrorBody): void;
}

/** Starts a subscription; returns the function that stops it. Errors end it with an error body. */
export function openSubscription(
  handlers: ApiHandlers,
  topic: unknown,
  input: unknown,
  sink: SubscriptionSink,
): () => void {
  try {
    if (!isSubscriptionName(topic)) {
      throw new ApiError('UNKNOWN_METHOD', `Unknown subscription: ${String(topic).slice(0, 128)}`);
    }
    const spec = subscriptions[topic];
    const value = parseInput(spec.input, input, topic);
    const open = handlers.subscriptions[topic] as (input: unknown) => Observable<unknown>;
    const sub = open(value).subscribe({
      next: (item) => sink.item(spec.item.parse(item)),
      error: (error: unknown) => sink.end(toApiError(error).toBody()),
      complete: () => sink.end(),
    });
    return () => sub.unsubscribe();
  } catch (error) {
    sink.end(toApiError(error).toBody());
    return () => {};
  }
}
