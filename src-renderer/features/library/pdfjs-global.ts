import * as pdfjs from 'pdfjs-dist';

// pdf.js's viewer components read the library from a global instead of importing it; this module is
// imported before them so that global exists when they are evaluated.
(globalThis as { pdfjsLib?: unknown }).pdfjsLib ??= pdfjs;

export { pdfjs };
