import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_BUNDLE_AGE_HOURS,
  FRAUD_THRESHOLDS,
  MAX_CLOCK_SKEW_MS,
  MAX_SALES_PER_BUNDLE,
  NONCE_TTL_MS,
} from '../protocol/bundle';
import { REPLAY_WINDOW_MS } from '../protocol/crypto';
import {
  HttpErrorCode,
  MAX_DEVICES_PER_USER,
  PaymentErrorCode,
  PULL_PAGE_DEFAULT,
  PULL_PAGE_MAX,
  ROUTES,
  ScoreReason,
} from '../protocol/http';
import { DEFAULT_LICENCE_DAYS, DEFAULT_OFFLINE_GRACE_HOURS } from '../protocol/licence';
import { ONLINE_AUTHORISATION_TTL_MS } from '../protocol/online/authorisation';
import { QR_CLOCK_SKEW_MS, QR_MAX_LIFETIME_MS } from '../protocol/qr';
import { PUSH_BODY_LIMIT } from '../server/payments/body';
import {
  FUTURE_TOLERANCE_MS,
  NEAR_LIMIT_RATIO,
  REPEATED_CARD_MAX,
  TYPICAL_SALES_PER_MINUTE,
  WEIGHTS,
} from '../server/payments/score';
import { MAX_JSON_DEPTH, MAX_JSON_VALUES } from '../server/http/json-depth';
import { statusOf } from '../server/routes/api-docs';
import { THROTTLE_LIMITS } from '../server/throttle/limits';

/**
 * docs/protocol.md is what an outside developer writes a terminal from (issue #20): its lists of
 * what a push refuses and what it scores, and its limits, are compared here with the code's, so the
 * two cannot drift apart silently (they had: §5.3 and §5.4 disagreed on what was refused, on the
 * nonce window and on a reason's name).
 */
const doc = readFileSync(fileURLToPath(new URL('../docs/protocol.md', import.meta.url)), 'utf8');

/** The rows of the first table after `<!-- marker`: cells without their backticks. */
export function tableAfter(markdown: string, marker: string): string[][] {
  const at = markdown.indexOf(`<!-- ${marker}`);
  if (at < 0) throw new Error(`no <!-- ${marker} marker`);
  const lines = markdown.slice(at).split('\n').slice(1);
  const start = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}
const code = (cell: string) => /^`([A-Z_]+)`$/.exec(cell)?.[1] ?? `not a code: ${cell}`;

/** What the HTTP layer answers before any route reads the body (server/app.ts, json-depth.ts). */
const HTTP_LAYER: Record<string, number> = {
  [HttpErrorCode.UNSUPPORTED_MEDIA_TYPE]: 415,
  [HttpErrorCode.PAYLOAD_TOO_LARGE]: 413,
  [HttpErrorCode.JSON_TOO_DEEP]: 400,
  [HttpErrorCode.INVALID_JSON]: 400,
};

describe('docs/protocol.md against the code', () => {
  it("the push's refusal table is exactly the codes the route answers, with their statuses", () => {
    const documented = tableAfter(doc, 'refusals:').map(([status, c]) => `${status} ${code(c!)}`);
    const answered = [
      ...Object.entries(HTTP_LAYER).map(([c, status]) => `${status} ${c}`),
      ...ROUTES.pushBundle.errors.map((c) => `${statusOf(c)} ${c}`),
    ];
    expect(new Set(documented).size).toBe(documented.length);
    expect([...documented].sort()).toEqual([...answered].sort());
  });

  it("every refusal the push service throws is in the route's errors, so in the table", () => {
    const source = readFileSync(
      fileURLToPath(new URL('../server/payments/push.ts', import.meta.url)),
      'utf8',
    );
    const thrown = new Set([...source.matchAll(/PaymentErrorCode\.([A-Z_]+)/g)].map((m) => m[1]!));
    expect(thrown.size).toBeGreaterThan(10);
    expect([...thrown].filter((c) => !(ROUTES.pushBundle.errors as readonly string[]).includes(c))).toEqual(
      [],
    );
  });

  it('every code of the opening steps (§5.3) is in the refusal table', () => {
    const refused = new Set(tableAfter(doc, 'refusals:').map(([, c]) => code(c!)));
    const section = doc.slice(doc.indexOf('**Opening (server)**'), doc.indexOf('**Which key ids'));
    const steps = [...section.matchAll(/\| `([A-Z_]+)` +\|/g)].map((m) => m[1]!);
    expect(steps.length).toBeGreaterThan(5);
    for (const c of steps) expect(refused, c).toContain(c);
  });

  it("the score table is exactly ScoreReason's codes with WEIGHTS' weights", () => {
    const rows = tableAfter(doc, 'scores:');
    const documented = rows.map(([c]) => code(c!));
    expect([...documented].sort()).toEqual([...ScoreReason.shape.code.options].sort());
    const claimed = new Set<string>();
    for (const [c, weight] of rows) {
      const reason = code(c!);
      // VELOCITY and OVERRIDE_USED have two weights each (VELOCITY_HIGH/EXTREME, OVERRIDE_PER_SALE/ABOVE_THRESHOLD).
      const keys = Object.keys(WEIGHTS).filter((k) =>
        reason in WEIGHTS ? k === reason : k.startsWith(`${reason.split('_')[0]}_`),
      );
      const numbers = [...weight!.matchAll(/\d+(?:\.\d+)?/g)].map((m) => Number(m[0]));
      expect(numbers.sort(), reason).toEqual(keys.map((k) => WEIGHTS[k as keyof typeof WEIGHTS]).sort());
      for (const k of keys) claimed.add(k);
    }
    expect([...claimed].sort()).toEqual(Object.keys(WEIGHTS).sort());
  });

  it('the score bands are FRAUD_THRESHOLDS', () => {
    const text = doc.slice(doc.indexOf('**What is scored.**'), doc.indexOf('<!-- scores:'));
    const bands = /below \*\*([\d.]+)\*\*.*?to \*\*([\d.]+)\*\*/s.exec(text);
    expect(bands?.slice(1).map(Number)).toEqual([FRAUD_THRESHOLDS.review, FRAUD_THRESHOLDS.quarantine]);
  });

  it('every limit is the value of the constant it names', () => {
    const constants: Record<string, number | string> = {
      REPLAY_WINDOW_MS,
      MAX_CLOCK_SKEW_MS,
      NONCE_TTL_MS,
      DEFAULT_MAX_BUNDLE_AGE_HOURS,
      MAX_SALES_PER_BUNDLE,
      PUSH_BODY_LIMIT,
      MAX_JSON_VALUES,
      MAX_JSON_DEPTH,
      FUTURE_TOLERANCE_MS,
      TYPICAL_SALES_PER_MINUTE,
      NEAR_LIMIT_RATIO,
      REPEATED_CARD_MAX,
      'FRAUD_THRESHOLDS.review': FRAUD_THRESHOLDS.review,
      'FRAUD_THRESHOLDS.quarantine': FRAUD_THRESHOLDS.quarantine,
      QR_MAX_LIFETIME_MS,
      QR_CLOCK_SKEW_MS,
      ONLINE_AUTHORISATION_TTL_MS,
      PULL_PAGE_DEFAULT,
      PULL_PAGE_MAX,
      DEFAULT_LICENCE_DAYS,
      DEFAULT_OFFLINE_GRACE_HOURS,
      MAX_DEVICES_PER_USER,
    };
    const UNIT_MS: Record<string, number> = { minutes: 60_000, hours: 3_600_000, days: 86_400_000 };
    const rows = tableAfter(doc, 'limits:');
    const named = rows.flatMap(([, value, constant]) => {
      const names = [...constant!.matchAll(/`([A-Z_]+(?:\.[a-z]+)?)`/g)].map((m) => m[1]!);
      const values = value!.split(', ');
      expect(values.length, constant).toBe(names.length);
      return names.map((name, i) => {
        expect(constants, name).toHaveProperty([name]);
        const actual = constants[name]!;
        const [, amount, unit] = /^([\d.]+)(?: (\w+))?$/.exec(values[i]!) ?? [];
        if (typeof actual === 'string') expect(`${amount}${unit}`.toLowerCase(), name).toBe(actual);
        else if (name.endsWith('_MS')) expect(Number(amount) * UNIT_MS[unit!]!, name).toBe(actual);
        else expect(Number(amount), name).toBe(actual);
        return name;
      });
    });
    expect(named.sort()).toEqual(Object.keys(constants).sort());
  });

  it('every throttle a terminal meets is the one the server counts', () => {
    const rows = tableAfter(doc, 'throttles:');
    expect(rows.length).toBeGreaterThan(0);
    for (const [counter, , limit, window] of rows) {
      const name = /^`(\w+)`$/.exec(counter!)?.[1] as keyof typeof THROTTLE_LIMITS;
      expect(THROTTLE_LIMITS, counter).toHaveProperty([name]);
      expect(Number(limit), name).toBe(THROTTLE_LIMITS[name].points);
      expect(Number(/^(\d+) min$/.exec(window!)?.[1]) * 60, name).toBe(THROTTLE_LIMITS[name].seconds);
    }
  });

  it('§5.3 and §5.4 name no code outside the two lists (they said CHAIN_BROKEN for CHAIN_BREAK)', () => {
    const known = new Set<string>([
      ...ScoreReason.shape.code.options,
      ...tableAfter(doc, 'refusals:').map(([, c]) => code(c!)),
      // No longer answered, and said so; and the constants the text cites by name.
      PaymentErrorCode.TENDER_ABSURD,
      ...['FRAUD_THRESHOLDS', 'PAYMENT_ERROR_STATUS', 'QR_MAX_LIFETIME_MS', 'WEIGHTS'],
    ]);
    const push = doc.slice(doc.indexOf('### 5.3 '), doc.indexOf('**Bundle states.**'));
    const named = [...push.matchAll(/`([A-Z][A-Z0-9_]{3,})`/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(30);
    expect(named.filter((c) => !known.has(c))).toEqual([]);
  });
});
