import { create } from 'qrcode';
import { useMemo } from 'react';

/**
 * `text` as a QR code, drawn as SVG elements (no data: URL, no inline style, no markup injected, so
 * the console's strict CSP holds). The text is in `data-payload` for tests and support.
 */
export function QrCode({ text, label }: { text: string; label: string }) {
  const { size, path } = useMemo(() => {
    const { modules } = create(text, { errorCorrectionLevel: 'M' });
    let d = '';
    for (let row = 0; row < modules.size; row++)
      for (let col = 0; col < modules.size; col++) if (modules.get(row, col)) d += `M${col} ${row}h1v1h-1z`;
    return { size: modules.size, path: d };
  }, [text]);
  // Four modules of quiet zone around the symbol, as scanners expect.
  return (
    <svg
      className="qr"
      role="img"
      aria-label={label}
      data-payload={text}
      viewBox={`-4 -4 ${size + 8} ${size + 8}`}
      shapeRendering="crispEdges"
    >
      <rect x={-4} y={-4} width={size + 8} height={size + 8} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}
