import { useEffect, useEffectEvent } from 'react';

/**
 * The till's function keys (docs/sync.md, "Quick keys and the till's keyboard"): one place, so the key a button shows in
 * its <kbd> is the key that works. F9 (and Ctrl+Enter) pays, in Till.tsx.
 */
export const TILL_KEYS = {
  cash: 'F2',
  exact: 'F3',
  quantity: 'F4',
  card: 'F6',
  qr: 'F7',
  newSale: 'F8',
} as const;

/**
 * Runs `action` when `key` is pressed without modifiers, wherever the focus is, unless a modal
 * dialog is open (its own keys win) or `enabled` is false. The browser's own use of the key (F3
 * find, F7 caret browsing) is prevented only when the till acts on it.
 */
export function useFunctionKey(key: string, action: () => void, enabled = true): void {
  const onKey = useEffectEvent((event: KeyboardEvent) => {
    if (event.key !== key || event.ctrlKey || event.metaKey || event.altKey || event.shiftKey) return;
    if (!enabled || document.querySelector('dialog[open]')) return;
    event.preventDefault();
    action();
  });
  useEffect(() => {
    const listener = (event: KeyboardEvent) => onKey(event);
    window.addEventListener('keydown', listener);
    return () => window.removeEventListener('keydown', listener);
  }, []);
}

/** Opens a collapsed tender (<details>) and puts the cursor in its first field. */
export function openAndFocus(details: HTMLDetailsElement | null | undefined): void {
  if (!details) return;
  details.open = true;
  details.querySelector<HTMLInputElement>('input:not([type=hidden])')?.focus();
}
