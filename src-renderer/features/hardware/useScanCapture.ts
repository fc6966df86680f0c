import { useEffect, useEffectEvent, useMemo, useState } from 'react';
import type { HardwareState } from '../../../protocol/api';
import { useApi, useSubscription } from '../../api/hooks';
import { DEFAULT_SCAN_RULES, ScanDetector, type ScanRules } from './scan-detector';

/** A field marked with this attribute takes scans itself (the till's search box): left alone. */
export const SCAN_INPUT_ATTRIBUTE = 'data-scan-input';
/** A free-text field (a reason) where fast typing and Enter is a person's: timing alone is no scan. */
export const TYPED_TEXT_ATTRIBUTE = 'data-typed-text';

/** A PIN or password field, anything inside a modal dialog, or a field marked as typed text. */
function guarded(target: Element | null): boolean {
  if (!target) return false;
  if (target instanceof HTMLInputElement && target.type === 'password') return true;
  return target.closest(`dialog[open], [aria-modal="true"], [${TYPED_TEXT_ATTRIBUTE}]`) !== null;
}

type Editable = HTMLInputElement | HTMLTextAreaElement;
interface Snapshot {
  readonly field: Editable;
  readonly value: string;
  readonly start: number | null;
  readonly end: number | null;
}

function editable(target: EventTarget | null): Editable | null {
  if (target instanceof HTMLTextAreaElement) return target;
  if (target instanceof HTMLInputElement && !['checkbox', 'radio', 'button', 'submit'].includes(target.type))
    return target;
  return null;
}

function selection(field: Editable, which: 'selectionStart' | 'selectionEnd'): number | null {
  try {
    return field[which];
  } catch {
    return null; // type=number and the like have no selection
  }
}

/**
 * Puts a field back as it was before a scan typed itself into it. The value goes through the
 * element's own setter and an `input` event, as typing does, so React's state follows.
 */
function restore(snapshot: Snapshot): void {
  const { field, value, start, end } = snapshot;
  if (field.value === value) return;
  const proto =
    field instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  Object.getOwnPropertyDescriptor(proto, 'value')?.set?.call(field, value);
  field.dispatchEvent(new Event('input', { bubbles: true }));
  if (start !== null && end !== null) {
    try {
      field.setSelectionRange(start, end);
    } catch {
      // no selection on this input type
    }
  }
}

/** The saved keyboard-wedge settings of the chosen scanner, and whether the core reads it itself. */
function rulesFrom(state: HardwareState | undefined): { rules: ScanRules; coreReads: boolean } {
  const choice = state?.choices.scanner ?? null;
  const wedge = choice?.wedge;
  const rules: ScanRules = {
    ...DEFAULT_SCAN_RULES,
    ...(wedge
      ? {
          prefix: wedge.prefix,
          suffix: wedge.suffix,
          terminator: wedge.terminator,
          minLength: wedge.minLength ?? DEFAULT_SCAN_RULES.minLength,
        }
      : {}),
  };
  const device = state?.devices.find((d) => d.id === choice?.deviceId);
  const wedgeChosen =
    choice !== null && (choice.scannerMode === 'keyboard-wedge' || device?.category === 'keyboard-wedge');
  const status = state?.roles.find((r) => r.role === 'scanner');
  // A wedge the core reads over HID reports its scans on hardware.events; the keys it also types
  // into the window are only kept out of the fields here, not counted twice.
  const coreReads = wedgeChosen && status?.state === 'connected' && !state?.demo;
  return { rules, coreReads };
}

/**
 * Scans from a keyboard-wedge scanner go to `onScan`, never into the field that has focus,
 * wherever it is (issue #18). Listens to every keydown on the window before the page does. In a
 * PIN field, a modal dialog or a field marked `data-typed-text`, only a prefix-framed burst is a
 * scan (scan-detector.ts): a PIN or a reason typed fast is the cashier's. A fast burst holding card
 * data, judged by its characters and by its physical keys, is taken out of any field and only
 * `onCardData` hears of it.
 */
export function useScanCapture(onScan: (code: string) => void, onCardData: () => void): void {
  const api = useApi();
  const { value: status } = useSubscription('hardware.status');
  const [state, setState] = useState<HardwareState>();
  useEffect(() => {
    let live = true;
    api.call('hardware.list', {}).then(
      (s) => live && setState(s),
      () => undefined, // no hardware service: the defaults apply
    );
    return () => {
      live = false;
    };
  }, [api, status?.devicesVersion, status?.roles]);

  const { rules, coreReads } = useMemo(() => rulesFrom(state), [state]);
  const handle = useEffectEvent((code: string) => {
    if (!coreReads) onScan(code);
  });
  const cardData = useEffectEvent(() => onCardData());

  useEffect(() => {
    const detector = new ScanDetector(rules);
    let snapshot: Snapshot | null = null;
    const listener = (event: KeyboardEvent) => {
      if (event.isComposing) return;
      const target = event.target instanceof Element ? event.target : null;
      if (target?.closest(`[${SCAN_INPUT_ATTRIBUTE}]`)) {
        detector.reset();
        return;
      }
      const decision = detector.key({
        key: event.key,
        ctrl: event.ctrlKey,
        alt: event.altKey,
        meta: event.metaKey,
        at: event.timeStamp,
        code: event.code,
        shift: event.shiftKey,
        guarded: guarded(target),
      });
      if (decision.kind === 'pass') {
        if (decision.start) {
          const field = editable(event.target);
          snapshot = field && {
            field,
            value: field.value,
            start: selection(field, 'selectionStart'),
            end: selection(field, 'selectionEnd'),
          };
        }
        return;
      }
      event.preventDefault();
      event.stopImmediatePropagation();
      if (snapshot) restore(snapshot);
      snapshot = null;
      // Card data goes nowhere: not to the cart, not over IPC; the cashier is told it was dropped.
      if (decision.kind === 'card-data') cardData();
      else handle(decision.code);
    };
    window.addEventListener('keydown', listener, { capture: true });
    return () => window.removeEventListener('keydown', listener, { capture: true });
  }, [rules]);
}
