/**
 * AIM symbology identifiers ("]" + code character + modifier; ISO/IEC 15424, table 1) for the
 * symbologies a shop sees. Unknown identifiers are passed on as they are.
 */
const BY_CODE: Record<string, string> = {
  A: 'code-39',
  C: 'code-128',
  d: 'data-matrix',
  E: 'ean-upc',
  F: 'codabar',
  G: 'code-93',
  I: 'itf',
  L: 'pdf417',
  Q: 'qr',
  z: 'aztec',
  e: 'gs1-databar',
};

export function symbologyFromAim(aim: string): string | undefined {
  if (aim.length < 2 || aim[0] !== ']') return undefined;
  const code = aim[1] ?? '';
  const modifier = aim[2] ?? '';
  if (code === 'E') return modifier === '4' ? 'ean-8' : 'ean-13';
  if (code === 'C' && modifier === '1') return 'gs1-128';
  return BY_CODE[code] ?? aim;
}
