import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { isHardwareError } from '../errors';
import { SimulatedEscPosPrinter } from '../sim/escpos-printer';
import { decodeCp858, encodeCp858 } from './codepage';
import { PrinterDriver } from './driver';
import * as cmd from './escpos';
import { renderReceipt } from './preview';
import type { ReceiptInput } from './receipt';
import { svgTextLines } from './render-svg';
import { parseStatus } from './status';

const hex = (b: Buffer) => b.toString('hex').replace(/(..)(?!$)/g, '$1 ');

describe('ESC/POS golden bytes', () => {
  it.each([
    ['ESC @', cmd.initialize(), '1b 40'],
    ['ESC E 1', cmd.bold(true), '1b 45 01'],
    ['ESC E 0', cmd.bold(false), '1b 45 00'],
    ['ESC - 1', cmd.underline(1), '1b 2d 01'],
    ['GS ! 0x11', cmd.size(2, 2), '1d 21 11'],
    ['GS ! 0x00', cmd.size(1, 1), '1d 21 00'],
    ['ESC a 1', cmd.align('center'), '1b 61 01'],
    ['ESC a 2', cmd.align('right'), '1b 61 02'],
    ['ESC t 19', cmd.codePage(19), '1b 74 13'],
    ['ESC d 3', cmd.feedLines(3), '1b 64 03'],
    ['GS V 66 3', cmd.cut(), '1d 56 42 03'],
    ['ESC p 0 25 250', cmd.drawerKick(), '1b 70 00 19 fa'],
    ['DLE EOT 1', cmd.statusQuery(1), '10 04 01'],
    ['DLE EOT 4', cmd.statusQuery(4), '10 04 04'],
  ])('%s', (_name, bytes, expected) => {
    expect(hex(bytes)).toBe(expected);
  });

  it('GS ( k QR: model 2, size, error correction, store, print', () => {
    expect(hex(cmd.qrCode(Buffer.from('AB'), { moduleSize: 6, errorCorrection: 'M' }))).toBe(
      [
        '1d 28 6b 04 00 31 41 32 00',
        '1d 28 6b 03 00 31 43 06',
        '1d 28 6b 03 00 31 45 31',
        '1d 28 6b 05 00 31 50 30 41 42',
        '1d 28 6b 03 00 31 51 30',
      ].join(' '),
    );
  });
});

describe('code page PC858', () => {
  it('maps French accents and the euro sign', () => {
    expect(hex(encodeCp858('é è ê à ç ù ô î ï ë « » €'))).toBe(
      '82 20 8a 20 88 20 85 20 87 20 97 20 93 20 8c 20 8b 20 89 20 ae 20 af 20 d5',
    );
    expect(hex(encodeCp858('ÉÀÇ'))).toBe('90 b7 80');
  });

  it('composes decomposed accents and degrades the rest to ?', () => {
    expect(hex(encodeCp858('e\u0301'))).toBe('82');
    expect(encodeCp858('₦ 日本 ✓').toString('latin1')).toBe('? ?? ?');
    expect(decodeCp858(encodeCp858('Thiéboudienne à 1 500 €'))).toBe('Thiéboudienne à 1 500 €');
  });
});

describe('real-time status', () => {
  it('parses DLE EOT answers', () => {
    expect(parseStatus(Uint8Array.from([0x12, 0x12, 0x12, 0x12]))).toEqual({
      online: true,
      drawerPin3High: false,
      coverOpen: false,
      paperNearEnd: false,
      paperOut: false,
      error: false,
      cutterError: false,
    });
    expect(parseStatus(Uint8Array.from([0x1a, 0x16, 0x12, 0x12]))).toMatchObject({
      online: false,
      coverOpen: true,
    });
    expect(parseStatus(Uint8Array.from([0x1a, 0x32, 0x12, 0x7e]))).toMatchObject({
      paperOut: true,
      paperNearEnd: true,
    });
    expect(parseStatus(Uint8Array.from([0x16, 0x12, 0x1a, 0x12]))).toMatchObject({
      drawerPin3High: true,
      cutterError: true,
    });
    expect(parseStatus(Uint8Array.from([0xff, 0x12, 0x12, 0x12]))).toBeUndefined();
    expect(parseStatus(Uint8Array.from([0x12, 0x12]))).toBeUndefined();
  });
});

const RECEIPT: ReceiptInput = {
  columns: 42,
  currency: 'XOF',
  header: ['Boutique Awa', 'Marché Sandaga, Dakar', 'Tél. 33 800 00 00'],
  items: [
    { name: 'Thiéboudienne', qty: 2, unitPrice: 1500 },
    { name: 'Bissap « maison »', qty: 1, unitPrice: 500 },
    { name: 'Café Touba très long nom de produit qui déborde', qty: 3, unitPrice: 250 },
  ],
  totals: [{ label: 'TOTAL', amount: 4250, emphasis: true }],
  tenders: [
    { label: 'Espèces', amount: 5000 },
    { label: 'Rendu', amount: -750 },
  ],
  footer: ['Merci et à bientôt !', 'Reçu n° 000123 — 12/03/2026'],
  qr: 'https://outpost.example/r/000123?s=é',
  cut: true,
  openDrawer: true,
};

describe('receipt rendering', () => {
  it('prints on the simulator exactly what the preview shows', async () => {
    const { escpos, svg } = renderReceipt(RECEIPT);
    const printer = new SimulatedEscPosPrinter(42);
    await printer.write(escpos);
    expect(printer.unknownCommands).toEqual([]);
    const printed = svgTextLines(printer.picture());
    const previewed = svgTextLines(svg);
    expect(printed).toEqual(previewed);
    expect(printer.picture()).toBe(svg);
    expect(previewed).toContain('Reçu n° 000123 ? 12/03/2026');
    expect(printed).toContain('Marché Sandaga, Dakar');
    expect(printed.some((l) => l.startsWith('2 x Thiéboudienne') && l.endsWith('3 000 XOF'))).toBe(true);
    expect(printed.every((l) => l.length <= 42)).toBe(true);
    expect(printer.printed.filter((e) => e.kind === 'qr')).toEqual([{ kind: 'qr', data: RECEIPT.qr }]);
    expect(printer.drawerKicks).toBe(1);
    expect(printer.printed.at(-1)).toEqual({ kind: 'cut' });
  });

  it('draws the QR code module by module (it was an empty box), the modules of the printed payload', () => {
    const { svg } = renderReceipt(RECEIPT);
    const path = /<g class="qr" data-payload="[^"]*"><path d="([^"]*)"/.exec(svg)?.[1] ?? '';
    const squares = [...path.matchAll(/M(\d+) (\d+)h6v6h-6z/g)].map((m) => [Number(m[1]), Number(m[2])]);
    const { modules } = QRCode.create(RECEIPT.qr!, { errorCorrectionLevel: 'M' });
    const dark: [number, number][] = [];
    for (let r = 0; r < modules.size; r++)
      for (let c = 0; c < modules.size; c++) if (modules.get(r, c)) dark.push([c, r]);
    expect(squares.length).toBe(dark.length);
    // Same grid: every square sits on the module it stands for, 6 dots apart as GS ( k prints them.
    const [x0, y0] = squares[0]!;
    const [c0, r0] = dark[0]!;
    expect(squares).toEqual(dark.map(([c, r]) => [x0! + (c - c0) * 6, y0! + (r - r0) * 6]));
    // The top-left finder pattern: a 7-module dark square border.
    expect(dark.filter(([c, r]) => r === 0 && c < 7)).toHaveLength(7);
  });

  it('rejects an invalid description', () => {
    expect(() => renderReceipt({ ...RECEIPT, currency: 'francs' })).toThrow();
  });
});

describe('printer driver', () => {
  it('prints a job once: a retried job id that completed is acknowledged without printing', async () => {
    const printer = new SimulatedEscPosPrinter(42);
    const driver = new PrinterDriver(printer);
    const [a, b] = await Promise.all([driver.print('sale-1', RECEIPT), driver.print('sale-1', RECEIPT)]);
    expect(a).toEqual({ jobId: 'sale-1', status: 'printed' });
    expect(b).toEqual(a);
    expect(await driver.print('sale-1', RECEIPT)).toEqual({ jobId: 'sale-1', status: 'already-printed' });
    expect(printer.printed.filter((e) => e.kind === 'cut')).toHaveLength(1);
    await driver.print('sale-2', RECEIPT);
    expect(printer.printed.filter((e) => e.kind === 'cut')).toHaveLength(2);
  });

  it('refuses to start without paper or with the cover open, and prints nothing', async () => {
    const printer = new SimulatedEscPosPrinter(42);
    const driver = new PrinterDriver(printer);
    printer.state.paperOut = true;
    await expect(driver.print('j', RECEIPT)).rejects.toSatisfy((e) => isHardwareError(e, 'PAPER_OUT'));
    printer.state.paperOut = false;
    printer.state.coverOpen = true;
    await expect(driver.print('j', RECEIPT)).rejects.toSatisfy((e) => isHardwareError(e, 'COVER_OPEN'));
    expect(printer.printed).toEqual([]);
    printer.state.coverOpen = false;
    expect(await driver.print('j', RECEIPT)).toMatchObject({ status: 'printed' });
  });

  it('reports paper running out mid-job as PAPER_OUT, and reprints that job in full on retry', async () => {
    const printer = new SimulatedEscPosPrinter(42);
    const driver = new PrinterDriver(printer);
    printer.state.paperOutAfterBytes = 100;
    await expect(driver.print('j', RECEIPT)).rejects.toSatisfy((e) => isHardwareError(e, 'PAPER_OUT'));
    printer.state.paperOut = false;
    delete printer.state.paperOutAfterBytes;
    printer.printed.length = 0;
    expect(await driver.print('j', RECEIPT)).toMatchObject({ status: 'printed' });
    expect(printer.printed.filter((e) => e.kind === 'cut')).toHaveLength(1);
  });

  it('reports an unplugged printer as PRINTER_DISCONNECTED', async () => {
    const printer = new SimulatedEscPosPrinter(42);
    const driver = new PrinterDriver(printer);
    printer.state.unplugged = true;
    await expect(driver.print('j', RECEIPT)).rejects.toSatisfy((e) =>
      isHardwareError(e, 'PRINTER_DISCONNECTED'),
    );
    await expect(driver.status()).rejects.toSatisfy((e) => isHardwareError(e, 'PRINTER_DISCONNECTED'));
  });

  it('opens the drawer and reads status', async () => {
    const printer = new SimulatedEscPosPrinter();
    const driver = new PrinterDriver(printer);
    await driver.openDrawer();
    printer.state.paperNearEnd = true;
    expect(await driver.status()).toMatchObject({ online: true, drawerPin3High: true, paperNearEnd: true });
  });
});
