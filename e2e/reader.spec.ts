import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { EPUB_CHAPTERS, makeEpub, registerLaptop } from './library-fixtures';
import {
  BOOK_CHAPTERS,
  BOOK_MARKER,
  BOOK_PAGES,
  chapterFrame,
  chapterStart,
  makeBookPdf,
  SEARCH_PAGE,
  SEARCH_SENTENCE,
  SEARCH_WORD,
} from './reader-fixtures';
import {
  createAccount,
  createAdmin,
  seedMaterial,
  startServer,
  startWebHost,
  type Running,
} from './processes';

/**
 * Issue #22's acceptance, through the UI alone and in Indonesian: a 300-page textbook opened at
 * chapter 5 from its outline, a word searched, closed and reopened offline at the same page; an
 * EPUB's navigation and a larger font. Then the attack: the data directory holds no plaintext.
 */

const BOOK = 'Ilmu Alam Kelas 7';
const EPUB = 'Tanaman';

let server: Running | undefined;
let host: Running | undefined;

test.afterEach(async () => {
  await host?.stop();
  await server?.stop();
  host = undefined;
  server = undefined;
});

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? files(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]))),
  );
  return nested.flat();
}

async function download(page: Page, title: string): Promise<Locator> {
  const item = page.getByRole('article', { name: title });
  await item.getByRole('button', { name: `Unduh ${title}` }).click();
  await expect(item.getByTestId('download-state')).toHaveAttribute('data-state', 'ready', {
    timeout: 90_000,
  });
  return item;
}

async function expectPdfAt(viewer: Locator, pageNumber: number): Promise<void> {
  await expect(viewer.getByTestId('pdf-page-status')).toHaveText(`Halaman ${pageNumber} dari ${BOOK_PAGES}`);
  await expect(viewer.getByTestId('pdf-stage')).toHaveAttribute('data-rendered-page', String(pageNumber));
  await expect(viewer.locator(`.page[data-page-number="${pageNumber}"] .textLayer`)).toContainText(
    `Halaman ${pageNumber}`,
  );
}

test('a student reads a textbook and a book in Indonesian, offline, and nothing decrypted is left on disk', async ({
  page,
}, testInfo) => {
  test.setTimeout(300_000);
  server = await startServer();
  const student = await createAccount(server, 'student', 'student');
  const teacher = await createAdmin(server, 'teacher');
  await seedMaterial(server, teacher, await makeBookPdf(), { title: BOOK, grantTo: [student.email] });
  await seedMaterial(server, teacher, makeEpub(), {
    title: EPUB,
    contentType: 'application/epub+zip',
    grantTo: [student.email],
  });
  host = await startWebHost({ OUTPOST_SERVER_URL: server.url });
  await page.goto(host.url);
  await registerLaptop(page, student);
  await page.getByLabel('Language').selectOption('id');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByRole('link', { name: 'Perpustakaan' }).click();

  const book = await download(page, BOOK);
  await expect(book.getByTestId('licence-status')).toHaveText('Siap dibaca');
  await expect(book.getByTestId('licence-days')).toContainText(/sisa \d+ hari/);
  await expect(book.getByTestId('licence-grace')).toContainText(/luring: sisa \d+ jam/);
  await download(page, EPUB);
  await book.getByRole('button', { name: `Perpanjang ${BOOK}` }).click();
  await expect(book.getByRole('status')).toHaveText('Lisensi diperpanjang');
  await expect(book.getByTestId('licence-status')).toHaveText('Siap dibaca');

  // Offline from here on: the server is gone.
  await server.stop();
  await book.getByRole('button', { name: `Buka ${BOOK}` }).click();
  const viewer = page.getByRole('dialog', { name: BOOK });
  await expectPdfAt(viewer, 1);
  const contents = viewer.getByRole('navigation', { name: 'Daftar isi' });
  await expect(contents.getByRole('button')).toHaveCount(BOOK_CHAPTERS.length);
  await contents.getByRole('button', { name: BOOK_CHAPTERS[4]! }).click();
  await expectPdfAt(viewer, chapterStart(5));
  await page.screenshot({ path: testInfo.outputPath('pdf-chapter-5.png') });

  await viewer.getByRole('searchbox', { name: 'Cari di materi ini' }).fill(SEARCH_WORD);
  await viewer.getByRole('button', { name: 'Cari', exact: true }).click();
  await expect(viewer.getByTestId('find-result')).toHaveText('Hasil 1 dari 1');
  await expectPdfAt(viewer, SEARCH_PAGE);
  const hit = viewer.locator(`.page[data-page-number="${SEARCH_PAGE}"] .textLayer .highlight`);
  await expect(hit.first()).toBeVisible();
  await expect(hit.first()).toHaveText(SEARCH_WORD);

  // The licence gives no copy right: the text layer under the search cannot be selected or copied.
  const line = viewer.locator(`.page[data-page-number="${SEARCH_PAGE}"] .textLayer span`, {
    hasText: SEARCH_WORD,
  });
  await line.first().click({ clickCount: 3 });
  expect(await page.evaluate('String(window.getSelection())')).toBe('');
  await expect(line.first()).toHaveCSS('user-select', 'none');
  // Even a selection made by script copies nothing: pdf.js's own copy handler is told the licence's no.
  const copied = await line.first().evaluate((node) => {
    // This file is type-checked without the DOM's types: what the check uses of them.
    interface Dom {
      getSelection(): { removeAllRanges(): void; addRange(range: unknown): void };
      document: { createRange(): { selectNodeContents(node: unknown): void } };
      DataTransfer: new () => { getData(type: string): string };
      ClipboardEvent: new (type: string, init: object) => { defaultPrevented: boolean };
    }
    const dom = globalThis as unknown as Dom;
    const range = dom.document.createRange();
    range.selectNodeContents(node);
    dom.getSelection().removeAllRanges();
    dom.getSelection().addRange(range);
    const data = new dom.DataTransfer();
    const copy = new dom.ClipboardEvent('copy', { bubbles: true, cancelable: true, clipboardData: data });
    (node as unknown as { dispatchEvent(event: unknown): void }).dispatchEvent(copy);
    return { cancelled: copy.defaultPrevented, text: data.getData('text/plain') };
  });
  expect(copied).toEqual({ cancelled: true, text: '' });
  await viewer.getByRole('button', { name: 'Tandai halaman ini' }).click();
  const marks = viewer.getByRole('region', { name: 'Penanda' });
  await expect(marks.getByRole('button', { name: `Halaman ${SEARCH_PAGE}`, exact: true })).toBeVisible();
  await viewer.getByRole('button', { name: 'Mode malam' }).click();
  await page.screenshot({ path: testInfo.outputPath('pdf-search-night.png') });
  await viewer.getByRole('button', { name: 'Mode malam' }).click();
  await viewer.getByRole('button', { name: 'Tutup' }).first().click();
  await expect(viewer).toBeHidden();

  // Reopened, still offline: at the page the search left it on, from the encrypted store.
  await book.getByRole('button', { name: `Buka ${BOOK}` }).click();
  await expectPdfAt(viewer, SEARCH_PAGE);
  await page.screenshot({ path: testInfo.outputPath('pdf-reopened.png') });
  // The bookmark came back with it, and leads back to its page from elsewhere.
  await viewer
    .getByRole('navigation', { name: 'Daftar isi' })
    .getByRole('button', { name: BOOK_CHAPTERS[0]! })
    .click();
  await expectPdfAt(viewer, 1);
  await marks.getByRole('button', { name: `Halaman ${SEARCH_PAGE}`, exact: true }).click();
  await expectPdfAt(viewer, SEARCH_PAGE);
  await page.keyboard.press('Escape');
  await expect(viewer).toBeHidden();

  // The EPUB: its navigation, then a larger text.
  const epubItem = page.getByRole('article', { name: EPUB });
  await epubItem.getByRole('button', { name: `Buka ${EPUB}` }).click();
  const epub = page.getByRole('dialog', { name: EPUB });
  await expect(epub.getByTestId('epub-location')).toHaveAttribute('data-chapter', 'Chapter 1');
  const first = await chapterFrame(page, EPUB_CHAPTERS[0]!);
  await expect(first.locator('body')).toHaveCSS('user-select', 'none');
  await epub
    .getByRole('navigation', { name: 'Daftar isi' })
    .getByRole('button', { name: 'Chapter 2' })
    .click();
  await expect(epub.getByTestId('epub-location')).toHaveAttribute('data-chapter', 'Chapter 2');
  const second = await chapterFrame(page, EPUB_CHAPTERS[1]!);
  const fontSize = async () =>
    Number.parseFloat(
      await second
        .locator('body')
        .evaluate(
          (body) =>
            (
              globalThis as unknown as { getComputedStyle(e: unknown): { fontSize: string } }
            ).getComputedStyle(body).fontSize,
        ),
    );
  const before = await fontSize();
  await epub.getByRole('button', { name: 'Teks lebih besar' }).click();
  await expect(epub.getByTestId('epub-font-size')).toHaveText('Ukuran teks: 120 %');
  await expect.poll(fontSize).toBeCloseTo(before * 1.2, 0);
  await epub.getByRole('searchbox', { name: 'Cari di materi ini' }).fill('sugar');
  await epub.getByRole('button', { name: 'Cari', exact: true }).click();
  await expect(epub.getByTestId('find-result')).toHaveText('Hasil 1 dari 2');
  await page.screenshot({ path: testInfo.outputPath('epub-chapter-2-larger.png') });
  await page.keyboard.press('Escape');
  await expect(epub).toBeHidden();

  // The attack: everything the app keeps, read after reading and searching. The encrypted copy,
  // the manifest and the encrypted database only: no run of the plaintext, no searched text, no
  // decrypted page in a cache or temp file.
  const kept = await files(host.dataDir!);
  expect(kept.some((f) => f.endsWith('.enc'))).toBe(true);
  for (const file of kept) {
    const bytes = await readFile(file);
    for (const needle of [BOOK_MARKER, SEARCH_SENTENCE, EPUB_CHAPTERS[0]!])
      expect(bytes.includes(Buffer.from(needle)), `${needle} in ${file}`).toBe(false);
  }
});
