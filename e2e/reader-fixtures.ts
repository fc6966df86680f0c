import { expect, type Frame, type Page } from '@playwright/test';
import { PDFDocument, PDFHexString, PDFName, PDFString, StandardFonts, type PDFRef } from 'pdf-lib';

/** A textbook for issue #22's journey: 300 pages in 10 chapters, with a PDF outline. */
export const BOOK_PAGES = 300;
export const BOOK_CHAPTERS = [
  'Sel dan kehidupan',
  'Tumbuhan',
  'Hewan',
  'Ekosistem',
  'Gunung berapi',
  'Cuaca',
  'Laut',
  'Energi',
  'Bumi dan bulan',
  'Tata surya',
].map((name, i) => `Bab ${i + 1}: ${name}`);
const PER_CHAPTER = BOOK_PAGES / BOOK_CHAPTERS.length;
/** The first page of chapter n (1-based). */
export const chapterStart = (n: number) => (n - 1) * PER_CHAPTER + 1;
/** A word on one page only, in chapter 5: the search's target. */
export const SEARCH_WORD = 'Krakatau';
export const SEARCH_PAGE = chapterStart(5) + 16;
export const SEARCH_SENTENCE = `${SEARCH_WORD} meletus pada tahun 1883`;

/**
 * A run the plaintext PDF carries as is (an uncompressed catalog entry): found in any file of the data
 * directory, it would mean decrypted bytes reached the disk.
 */
export const BOOK_MARKER = 'OUTPOST-PLAINTEXT-BOOK-MARKER-22';

export async function makeBookPdf(): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (let n = 1; n <= BOOK_PAGES; n++) {
    const page = pdf.addPage([595, 842]);
    const chapter = BOOK_CHAPTERS[Math.floor((n - 1) / PER_CHAPTER)]!;
    page.drawText(chapter, { x: 60, y: 780, size: 14, font });
    page.drawText(`Halaman ${n}`, { x: 60, y: 740, size: 28, font });
    page.drawText(n === SEARCH_PAGE ? SEARCH_SENTENCE : `Isi halaman ${n} tentang ilmu alam`, {
      x: 60,
      y: 690,
      size: 18,
      font,
    });
  }
  // pdf-lib writes no outlines of its own: the dictionaries by hand (PDF 32000-1 §12.3.3).
  const context = pdf.context;
  const root = context.nextRef();
  const refs: PDFRef[] = BOOK_CHAPTERS.map(() => context.nextRef());
  BOOK_CHAPTERS.forEach((title, i) => {
    const target = pdf.getPage(chapterStart(i + 1) - 1);
    context.assign(
      refs[i]!,
      context.obj({
        Title: PDFHexString.fromText(title),
        Parent: root,
        Dest: [target.ref, PDFName.of('XYZ'), null, null, null],
        ...(i > 0 ? { Prev: refs[i - 1]! } : {}),
        ...(i < refs.length - 1 ? { Next: refs[i + 1]! } : {}),
      }),
    );
  });
  context.assign(
    root,
    context.obj({ Type: 'Outlines', First: refs[0]!, Last: refs[refs.length - 1]!, Count: refs.length }),
  );
  pdf.catalog.set(PDFName.of('Outlines'), root);
  pdf.catalog.set(PDFName.of('OutpostMarker'), PDFString.of(BOOK_MARKER));
  return pdf.save({ useObjectStreams: false });
}

export /** foliate-js shows a chapter in an iframe inside a closed shadow root: found among the page's frames. */
async function chapterFrame(page: Page, text: string): Promise<Frame> {
  let found: Frame | undefined;
  await expect
    .poll(async () => {
      for (const frame of page.frames()) {
        const body = await frame
          .locator('body')
          .textContent({ timeout: 1000 })
          .catch(() => null);
        if (body?.includes(text)) {
          found = frame;
          return true;
        }
      }
      return false;
    })
    .toBe(true);
  return found!;
}
