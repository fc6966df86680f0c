import { z } from 'zod';

/**
 * Free text at every edge refuses the control characters: C0 (U+0000-U+001F), DEL and C1
 * (U+007F-U+009F, NEL U+0085 among them), and the Unicode line and paragraph separators U+2028 and
 * U+2029, which break lines as NEL does (issue #16, eleventh pass: they passed a C0-only rule).
 * PostgreSQL cannot store NUL in text (a NUL reached it as a 500, and the till retried that bundle
 * forever), and the others end up in logs, audit rows, receipts and UIs. No field of the protocol
 * needs a newline or a tab. PEM keys, which do hold line breaks, have their own schema
 * (PublicKeyPem).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const C0_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
export const NO_CONTROLS_MESSAGE =
  'must not contain control characters (U+0000-U+001F, U+007F-U+009F, U+2028, U+2029)';

export const hasControlCharacter = (value: string): boolean => C0_CONTROLS.test(value);

/**
 * What the whole-request scan refuses: every control character of C0_CONTROLS but the line breaks
 * \n and \r, which PEM fields hold. Each text field refuses line breaks too, through text().
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_ANYWHERE = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029]/;

/** A string of `min`..`max` characters without control characters: the base of every text field. */
export const text = (max: number, min = 1) =>
  z
    .string()
    .min(min)
    .max(max)
    .refine((value) => !hasControlCharacter(value), NO_CONTROLS_MESSAGE);

/**
 * Where a decoded JSON value (any depth, keys included) holds a control character other than a
 * line break, as a dotted
 * path; undefined when it holds none. Run on whole request bodies, parameters and queries before
 * their schemas, so a field whose schema forgot `text()` is covered too. Iterative: a deeply
 * nested body must not overflow the stack. `unsafe` narrows it further where no field needs a line
 * break (the app's own call edge passes C0_CONTROLS).
 */
export function controlCharacterPath(value: unknown, unsafe: RegExp = UNSAFE_ANYWHERE): string | undefined {
  // Parent links, not copied paths: a deep body costs linear work, and the path is built once.
  interface Node {
    value: unknown;
    key: string;
    parent: Node | undefined;
  }
  const pathOf = (node: Node | undefined, last?: string): string => {
    const keys = last === undefined ? [] : [last];
    for (let n = node; n?.parent; n = n.parent) keys.push(n.key);
    return keys.reverse().join('.');
  };
  const stack: Node[] = [{ value, key: '', parent: undefined }];
  for (let node = stack.pop(); node; node = stack.pop()) {
    if (typeof node.value === 'string') {
      if (unsafe.test(node.value)) return pathOf(node);
    } else if (node.value !== null && typeof node.value === 'object') {
      for (const [key, child] of Object.entries(node.value)) {
        if (unsafe.test(key)) return pathOf(node, key);
        stack.push({ value: child, key, parent: node });
      }
    }
  }
  return undefined;
}
