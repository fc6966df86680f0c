import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import {
  EPUB_CHAPTERS,
  makeEpub,
  makePdf,
  makePng,
  PDF_PAGES,
  registerLaptop,
  TEXT_BODY,
} from './library-fixtures';
import { chapterFrame } from './reader-fixtures';
import {
  createAccount,
  createAdmin,
  seedMaterial,
  startServer,
  startWebHost,
  tempDir,
  type Running,
} from './processes';

/**
 * Issue #5's acceptance: a student takes a PDF, reads it with the network cut, is stopped once the
 * 72-hour offline grace is over, and reads again after the laptop checks in. Real server, real
 * PostgreSQL, real core and keychain behind the browser host, real pdf.js in Chromium.
 */

const HOUR = 3_600_000;
const TITLE = 'Biology, chapter 1';

let server: Running | undefined;
let host: Running | undefined;

test.afterEach(async () => {
  await host?.stop();
  await server?.stop();
  host = undefined;
  server = undefined;
});

interface Setup {
  clockFile: string;
  student: { email: string; password: string };
  teacher: string;
}

/** A server with a student granted the PDF, and the app on the browser host with a movable clock. */
async function setUp(): Promise<Setup> {
  server = await startServer();
  const student = await createAccount(server, 'student', 'student');
  const teacher = await createAdmin(server, 'teacher');
  await seedMaterial(server, teacher, await makePdf(), { title: TITLE, grantTo: [student.email] });
  const clockFile = join(await tempDir('clock'), 'offset-ms');
  await writeFile(clockFile, '0');
  host = await startWebHost({ OUTPOST_SERVER_URL: server.url, OUTPOST_CLOCK_OFFSET_FILE: clockFile });
  return { clockFile, student, teacher };
}

/** What the check below uses of a canvas (this file is type-checked without the DOM's types). */
interface CanvasLike {
  width: number;
  height: number;
  getContext(
    id: '2d',
  ): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}

/** Some pixel of the page's canvas differs from the first one: pdf.js drew something. */
async function canvasHasInk(page: Page, number: number): Promise<boolean> {
  return page
    .locator(`.page[data-page-number="${number}"] canvas`)
    .first()
    .evaluate((node) => {
      const canvas = node as unknown as CanvasLike;
      const context = canvas.getContext('2d');
      if (!context || canvas.width === 0) return false;
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      for (let i = 4; i < data.length; i += 4)
        if (data[i] !== data[0] || data[i + 1] !== data[1] || data[i + 2] !== data[2]) return true;
      return false;
    });
}

async function expectPage(page: Page, number: number): Promise<void> {
  await expect(page.getByTestId('pdf-stage')).toHaveAttribute('data-rendered-page', String(number));
  await expect(page.getByLabel('Page number')).toHaveValue(String(number));
  await expect(page.getByTestId('pdf-page-status')).toHaveText(`Page ${number} of ${PDF_PAGES.length}`);
  // pdf.js's text layer carries this page's own sentence, and the canvas under it is drawn.
  await expect(page.locator(`.page[data-page-number="${number}"] .textLayer`)).toContainText(
    PDF_PAGES[number - 1] ?? '',
  );
  expect(await canvasHasInk(page, number)).toBe(true);
}

test('a student reads a PDF offline, is stopped after the 72 h grace, and renewal reopens it', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const setup = await setUp();
  await page.goto(host!.url);
  await registerLaptop(page, setup.student);

  await page.getByRole('link', { name: 'Library' }).click();
  const item = page.getByRole('article', { name: TITLE });
  await expect(item).toContainText('PDF');
  await expect(item.getByTestId('download-state')).toHaveText('Not downloaded');
  await item.getByRole('button', { name: `Download ${TITLE}` }).click();
  await expect(item.getByTestId('download-state')).toHaveAttribute('data-state', 'ready', {
    timeout: 60_000,
  });
  await expect(item.getByTestId('licence-state')).toHaveAttribute('data-state', 'valid');
  await expect(item.getByTestId('licence-state')).toContainText(
    /Licence valid until .+ hours of offline reading left/,
  );
  await expect(page.getByTestId('library-last-sync')).not.toContainText('never');

  // The network goes: the server stops. The PDF still opens, from the encrypted copy, and pages turn.
  await server!.stop();
  await item.getByRole('button', { name: `Open ${TITLE}` }).click();
  const viewer = page.getByRole('dialog', { name: TITLE });
  await expect(viewer).toBeVisible();
  await expectPage(page, 1);
  await page.keyboard.press('ArrowRight');
  await expectPage(page, 2);
  await viewer.getByRole('button', { name: 'Next page' }).click();
  await expectPage(page, 3);
  await page.keyboard.press('PageUp');
  await expectPage(page, 2);
  await page.getByLabel('Page number').fill('1');
  await page.getByLabel('Page number').press('Enter');
  await expectPage(page, 1);
  // Fit width first; Zoom in goes to the next step above it.
  await viewer.getByLabel('Zoom mode').selectOption('1');
  await expect(viewer.getByTestId('pdf-zoom')).toHaveText('Zoom: 100 %');
  await viewer.getByRole('button', { name: 'Zoom in' }).click();
  await expect(viewer.getByTestId('pdf-zoom')).toHaveText('Zoom: 125 %');
  await expectPage(page, 1);
  await viewer.getByRole('button', { name: 'Close' }).click();
  await expect(viewer).toBeHidden();
  // Focus is back where the student was.
  await expect(item.getByRole('button', { name: `Open ${TITLE}` })).toBeFocused();

  // Three days and an hour pass with no network: the grace is over and the item says why.
  await writeFile(setup.clockFile, String(73 * HOUR));
  await page.getByRole('button', { name: 'Refresh the list' }).click();
  await expect(item.getByTestId('licence-state')).toHaveAttribute('data-state', 'offline_expired', {
    timeout: 90_000,
  });
  await expect(item.getByTestId('licence-state')).toHaveText(
    'Offline reading time is over: connect to the internet to keep reading',
  );
  await item.getByRole('button', { name: `Open ${TITLE}` }).click();
  await expect(item.getByRole('alert')).toHaveText(
    `“${TITLE}” cannot be opened: Offline reading time is over: connect to the internet to keep reading.`,
  );
  await expect(page.getByRole('dialog')).toBeHidden();

  // The network returns: same server, same port, same data. The licence renews and the PDF reopens.
  const port = new URL(server!.url).port;
  server = await startServer({
    DATABASE_URL: server!.databaseUrl,
    OUTPOST_DATA_DIR: server!.dataDir,
    PORT: port,
  });
  await page.getByRole('button', { name: 'Refresh the list' }).click();
  await expect(item.getByTestId('licence-state')).toHaveAttribute('data-state', 'valid', { timeout: 90_000 });
  await expect(item.getByTestId('licence-state')).toContainText('hours of offline reading left');
  await item.getByRole('button', { name: `Open ${TITLE}` }).click();
  await expect(page.getByRole('dialog', { name: TITLE })).toBeVisible();
  await expectPage(page, 1);
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toBeHidden();
});

test('the Library lists, downloads and describes licences in French', async ({ page }) => {
  test.setTimeout(180_000);
  const setup = await setUp();
  await page.goto(host!.url);
  await registerLaptop(page, setup.student);
  await page.getByLabel('Language').selectOption('fr');
  await page.getByRole('button', { name: 'Save', exact: true }).click();

  await page.getByRole('link', { name: 'Bibliothèque' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Bibliothèque');
  await expect(page.getByRole('button', { name: 'Actualiser la liste' })).toBeVisible();
  const list = page.getByRole('list', { name: 'Supports' });
  const item = list.getByRole('article', { name: TITLE });
  await expect(item).toContainText('PDF');
  await expect(item.getByTestId('download-state')).toHaveText('Pas téléchargé');
  await expect(item.getByTestId('licence-state')).toHaveText(
    'Pas encore de licence : le téléchargement en prend une',
  );
  await item.getByRole('button', { name: `Télécharger ${TITLE}` }).click();
  await expect(item.getByTestId('download-state')).toHaveText('Sur cet ordinateur, chiffré', {
    timeout: 60_000,
  });
  await expect(item.getByTestId('licence-state')).toContainText(
    /Licence valable jusqu’au .+ encore \d+ heures de lecture hors ligne/,
  );
  await expect(item.getByRole('button', { name: `Ouvrir ${TITLE}` })).toBeVisible();
  await expect(item.getByRole('button', { name: `Rendre ${TITLE}` })).toBeVisible();
  await expect(item.getByRole('button', { name: `Retirer ${TITLE} de cet ordinateur` })).toBeVisible();
  await expect(page.getByTestId('library-last-sync')).toContainText(
    'Dernière synchronisation avec le serveur',
  );
});

/** Downloads one item and waits until its encrypted copy is complete. */
async function download(page: Page, title: string): Promise<Locator> {
  const item = page.getByRole('article', { name: title });
  await item.getByRole('button', { name: `Download ${title}` }).click();
  await expect(item.getByTestId('download-state')).toHaveAttribute('data-state', 'ready', {
    timeout: 60_000,
  });
  return item;
}

test('EPUB chapters, text and images open in their own viewers', async ({ page }) => {
  test.setTimeout(240_000);
  const setup = await setUp();
  const grantTo = [setup.student.email];
  await seedMaterial(server!, setup.teacher, makeEpub(), {
    title: 'Plants',
    contentType: 'application/epub+zip',
    grantTo,
  });
  await seedMaterial(server!, setup.teacher, Buffer.from(TEXT_BODY), {
    title: 'Field notes',
    contentType: 'text/markdown',
    grantTo,
  });
  await seedMaterial(server!, setup.teacher, makePng(), { title: 'Leaf', contentType: 'image/png', grantTo });
  await page.goto(host!.url);
  await registerLaptop(page, setup.student);
  await page.getByRole('link', { name: 'Library' }).click();

  const book = await download(page, 'Plants');
  await expect(book).toContainText('EPUB book');
  await book.getByRole('button', { name: 'Open Plants' }).click();
  const viewer = page.getByRole('dialog', { name: 'Plants' });
  await expect(viewer.getByTestId('epub-location')).toHaveAttribute('data-chapter', 'Chapter 1');
  const chapter = await chapterFrame(page, EPUB_CHAPTERS[0]!);
  // The licence gives no copy right: inside the chapter's own document too, nothing can be selected
  // and a copy is cancelled.
  await expect(chapter.locator('body')).toHaveCSS('user-select', 'none');
  const copyCancelled = await chapter.locator('body').evaluate((body) => {
    const copy = new Event('copy', { bubbles: true, cancelable: true });
    body.dispatchEvent(copy);
    return copy.defaultPrevented;
  });
  expect(copyCancelled).toBe(true);
  await page.keyboard.press('ArrowRight');
  await expect(viewer.getByTestId('epub-location')).toHaveAttribute('data-chapter', 'Chapter 2');
  await chapterFrame(page, EPUB_CHAPTERS[1]!);
  // foliate-js ignores a turn asked while the last one settles (its paginator stays locked ~100 ms
  // after it says where it is): a student who clicks too soon clicks again, and so does this test.
  await expect(async () => {
    await viewer.getByRole('button', { name: 'Previous page' }).click();
    await expect(viewer.getByTestId('epub-location')).toHaveAttribute('data-chapter', 'Chapter 1', {
      timeout: 2_000,
    });
  }).toPass({ timeout: 20_000 });
  await page.keyboard.press('Escape');
  await expect(viewer).toBeHidden();

  const notes = await download(page, 'Field notes');
  await notes.getByRole('button', { name: 'Open Field notes' }).click();
  await expect(page.getByTestId('viewer-text')).toHaveText(TEXT_BODY);
  await page.getByRole('dialog', { name: 'Field notes' }).getByRole('button', { name: 'Close' }).click();

  const leaf = await download(page, 'Leaf');
  await leaf.getByRole('button', { name: 'Open Leaf' }).click();
  const image = page.getByRole('dialog', { name: 'Leaf' }).getByRole('img', { name: 'Leaf' });
  await expect(image).toBeVisible();
  await expect(image).toHaveJSProperty('naturalWidth', 24);
});
