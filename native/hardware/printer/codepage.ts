/**
 * Code page PC858 (IBM 850 with € at 0xD5 in place of the dotless ı), which ESC/POS printers select
 * with ESC t 19 (Epson "ESC/POS Command Reference", ESC t, table of code pages). It carries every
 * French letter the shop needs: é è ê à ç ù ô î ï ë « » and €. Characters outside it print as '?'.
 */
const UPPER_HALF =
  'ÇüéâäàåçêëèïîìÄÅ' +
  'ÉæÆôöòûùÿÖÜø£Ø×ƒ' +
  'áíóúñÑªº¿®¬½¼¡«»' +
  '░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐' +
  '└┴┬├─┼ãÃ╚╔╩╦╠═╬¤' +
  'ðÐÊËÈ€ÍÎÏ┘┌█▄¦Ì▀' +
  'ÓßÔÒõÕµþÞÚÛÙýÝ¯´' +
  '\u00ad±‗¾¶§÷¸°¨·¹³²■\u00a0';

export const CP858_ESC_T = 19;

const ENCODE = new Map<string, number>();
[...UPPER_HALF].forEach((ch, i) => ENCODE.set(ch, 0x80 + i));

export function encodeCp858(text: string): Buffer {
  const out: number[] = [];
  // Decomposed accents (e + U+0301) are composed first so they map to their single code.
  for (const ch of text.normalize('NFC')) {
    const code = ch.codePointAt(0) ?? 0x3f;
    if (code >= 0x20 && code < 0x7f) out.push(code);
    else out.push(ENCODE.get(ch) ?? 0x3f);
  }
  return Buffer.from(out);
}

export function decodeCp858(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b < 0x80 ? String.fromCharCode(b) : ([...UPPER_HALF][b - 0x80] ?? '?');
  return s;
}
