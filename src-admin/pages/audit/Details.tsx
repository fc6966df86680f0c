import { useTranslation } from 'react-i18next';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value as one short line: text as is, anything else as JSON. */
const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * An audit row's details, readable: a change's `before` and `after` as one line per field that
 * changed ("max_offline_amount: 5000 → 10000"), every other fact as "name: value".
 */
export function Details({ details }: { details: Json }) {
  const { t } = useTranslation();
  const { before, after, ...facts } = details;
  const lines: string[] = [];
  if (isObject(after) || isObject(before)) {
    const was = isObject(before) ? before : {};
    const now = isObject(after) ? after : {};
    for (const key of [...new Set([...Object.keys(was), ...Object.keys(now)])]) {
      if (JSON.stringify(was[key]) === JSON.stringify(now[key])) continue;
      lines.push(
        t('audit.change', {
          key,
          before: key in was ? show(was[key]) : t('audit.none'),
          after: key in now ? show(now[key]) : t('audit.none'),
        }),
      );
    }
  } else {
    if (before !== undefined) facts.before = before;
    if (after !== undefined) facts.after = after;
  }
  for (const [key, value] of Object.entries(facts)) lines.push(`${key}: ${show(value)}`);
  if (lines.length === 0) return null;
  return (
    <ul className="changes">
      {lines.map((line, i) => (
        <li key={i}>{line}</li>
      ))}
    </ul>
  );
}
