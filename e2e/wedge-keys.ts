import type { Page } from '@playwright/test';
import { BootReportDecoder, type KeyEvent } from '../native/hardware/keyboard/boot-report';
import type { KeyboardLayoutName } from '../native/hardware/keyboard/layouts';
import type { TimedReport } from '../native/hardware/sim/scanners';
import { usKeyFor } from '../src-renderer/features/hardware/physical-keys';

interface CdpKey {
  key: string;
  code: string;
  windowsVirtualKeyCode: number;
  text?: string;
  modifiers?: number;
}

const CTRL = 2;
const SHIFT = 8;

/**
 * The browser's key event for a key the OS typed under the page's layout; `pressed`, the same report
 * read on a US layout, names the physical key (`code`, Shift) as a real keyboard event does.
 */
function cdpKey(event: KeyEvent, pressed?: KeyEvent): CdpKey {
  if (event.kind === 'enter') return { key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 13, text: '\r' };
  if (event.kind === 'tab') return { key: 'Tab', code: 'Tab', windowsVirtualKeyCode: 9 };
  if (event.kind === 'ctrl-j' || event.kind === 'ctrl-m') {
    const letter = event.kind.slice(-1);
    return {
      key: letter,
      code: `Key${letter.toUpperCase()}`,
      windowsVirtualKeyCode: letter.toUpperCase().charCodeAt(0),
      modifiers: CTRL,
    };
  }
  const ch = event.text;
  const upper = ch.toUpperCase();
  const physical = pressed?.kind === 'char' ? usKeyFor(pressed.text) : undefined;
  const code = physical?.code ?? (/\d/.test(ch) ? `Digit${ch}` : /[a-z]/i.test(ch) ? `Key${upper}` : '');
  return {
    key: ch,
    code,
    windowsVirtualKeyCode: /[\da-z]/i.test(ch) ? upper.charCodeAt(0) : 0,
    text: ch,
    ...(physical?.shift ? { modifiers: SHIFT } : {}),
  };
}

/**
 * A keyboard-wedge scanner plugged into the machine the browser runs on: the simulator's boot
 * keyboard reports (native/hardware/sim/scanners.ts), decoded as the OS would, become the browser's
 * key events, each stamped with the report's own time so the page sees the scanner's rhythm and not
 * the test runner's.
 */
export async function typeAsWedge(
  page: Page,
  reports: readonly TimedReport[],
  layout: KeyboardLayoutName = 'us',
): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const decoder = new BootReportDecoder(layout);
  const keys = new BootReportDecoder('us');
  const origin = Date.now();
  try {
    for (const { report, at } of reports) {
      const pressed = keys.decode(report);
      for (const [i, event] of decoder.decode(report).entries()) {
        const key = cdpKey(event, pressed[i]);
        const timestamp = (origin + at) / 1000;
        await cdp.send('Input.dispatchKeyEvent', {
          type: key.text ? 'keyDown' : 'rawKeyDown',
          timestamp,
          ...key,
        });
        await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', timestamp, ...key, text: undefined });
      }
    }
  } finally {
    await cdp.detach();
  }
}
