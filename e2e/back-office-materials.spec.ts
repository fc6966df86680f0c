import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { consoleSignIn, shoot } from './console-fixtures';
import { makePdf, PDF_PAGES, registerLaptop } from './library-fixtures';
import { createAccount, startServer, startWebHost, startWorker, tempDir, type Running } from './processes';

/**
 * Issue #19, item 9, through the UIs alone: a teacher uploads a PDF in the back office (progress bar,
 * the encryption job live until ready), makes a class with a student and grants the PDF to it; the
 * student, in the app's Library, registers the laptop, downloads it, reads it with the network cut;
 * the teacher revokes the licence, and the laptop's next check with the server stops it.
 * Real server, worker and PostgreSQL; the app on the browser host with its real core and keychain.
 */

const TITLE = 'Cells, chapter 1';
const CLASS = 'Biology 3B';

let server: Running | undefined;
let worker: Running | undefined;
let host: Running | undefined;

test.afterEach(async () => {
  await host?.stop();
  await worker?.stop();
  await server?.stop();
  host = worker = server = undefined;
});

const menu = (page: Page) => page.getByRole('navigation');

test('a teacher uploads a PDF and grants it to a class; the student reads it offline until revoked', async ({
  page,
  context,
}) => {
  test.setTimeout(300_000);
  server = await startServer();
  worker = await startWorker(server);
  const teacher = await createAccount(server, 'teacher', 'teacher');
  const student = await createAccount(server, 'student', 'student');
  const dir = await tempDir('upload');
  const pdf = join(dir, 'cells.pdf');
  const notPdf = join(dir, 'notes.pdf');
  const song = join(dir, 'song.mp3');
  await writeFile(pdf, await makePdf());
  await writeFile(notPdf, 'Plain notes, not a PDF.\n');
  await writeFile(song, Buffer.from('ID3\u0004\u0000\u0000\u0000\u0000\u0000\u0000'));
  host = await startWebHost({ OUTPOST_SERVER_URL: server.url });

  // ---- The teacher, in the back office: only the school's pages.
  await page.goto(`${server.url}/admin/`);
  await consoleSignIn(page, teacher);
  await expect(menu(page).getByRole('link')).toHaveText(['Home', 'Materials', 'Classes']);
  await menu(page).getByRole('link', { name: 'Materials' }).click();
  await expect(page.getByText('No material yet. Upload the first one above.')).toBeVisible();
  const upload = page.getByRole('form', { name: 'Upload a material' });
  // The server's refusals, in words: bytes that are not what the file says, a kind it does not take.
  await upload.getByLabel('File').setInputFiles(notPdf);
  await expect(upload.getByLabel('Title')).toHaveValue('notes');
  await upload.getByRole('button', { name: 'Upload' }).click();
  await expect(upload.getByRole('alert')).toContainText(
    'This file is not really a PDF: its content does not match its kind. Check the file.',
  );
  await expect(upload.getByRole('alert')).toContainText('Code UNSUPPORTED_MEDIA_TYPE');
  await upload.getByLabel('File').setInputFiles(song);
  await upload.getByRole('button', { name: 'Upload' }).click();
  await expect(upload.getByRole('alert')).toContainText(
    'This kind of file cannot be uploaded: choose a PDF, an EPUB, a text or Markdown file, or an image.',
  );
  await shoot(page, 'materials-refused');
  await expect(page.getByText('No material yet. Upload the first one above.')).toBeVisible();

  await upload.getByLabel('File').setInputFiles(pdf);
  await upload.getByLabel('Title').fill(TITLE);
  await upload.getByRole('button', { name: 'Upload' }).click();
  const progress = upload.getByRole('progressbar', { name: 'Upload progress' });
  await expect(progress).toHaveAttribute('data-percent', '100');
  await expect(upload.getByTestId('upload-progress')).toContainText(/^Sent: .+ \(100 %\)$/);
  await expect(page.getByRole('status')).toContainText(`“${TITLE}” is uploaded.`);
  const row = page.locator(`tr[data-title="${TITLE}"]`);
  await expect(row).toContainText('PDF');
  const job = row.getByTestId('job-state');
  await expect(job).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect(job).toHaveText('Ready');
  await shoot(page, 'materials-uploaded');

  // ---- A class with the student, then the PDF granted to it.
  await menu(page).getByRole('link', { name: 'Classes' }).click();
  await page.getByRole('button', { name: 'Create a class' }).click();
  const create = page.getByRole('form', { name: 'Create a class' });
  await create.getByLabel('Name of the class').fill(CLASS);
  await create.getByLabel('Students’ emails (one per line)').fill(student.email);
  await create.getByRole('button', { name: 'Create the class' }).click();
  await expect(page.getByRole('status')).toHaveText(`The class ${CLASS} is created with 1 student.`);
  const klass = page.getByRole('region', { name: CLASS });
  await expect(klass).toContainText(student.email);

  await menu(page).getByRole('link', { name: 'Materials' }).click();
  await page.getByRole('button', { name: `Grant ${TITLE}` }).click();
  const grant = page.getByRole('form', { name: `Grant “${TITLE}”` });
  await grant.getByLabel('To a class').selectOption({ label: `${CLASS} (1 student)` });
  await grant.getByRole('button', { name: 'Grant' }).click();
  await expect(page.getByRole('status')).toHaveText(
    `“${TITLE}” is granted. Every student of ${CLASS} may take it, and so will those you add later.`,
  );
  await menu(page).getByRole('link', { name: 'Classes' }).click();
  await expect(klass).toContainText(TITLE);
  await shoot(page, 'materials-class');

  // ---- The student, in the app's Library: registers the laptop, downloads, reads with the network cut.
  const app = await context.newPage();
  await app.goto(host.url);
  await registerLaptop(app, student);
  await app.getByRole('link', { name: 'Library' }).click();
  const item = app.getByRole('article', { name: TITLE });
  await item.getByRole('button', { name: `Download ${TITLE}` }).click();
  await expect(item.getByTestId('download-state')).toHaveAttribute('data-state', 'ready', {
    timeout: 60_000,
  });
  await expect(item.getByTestId('licence-state')).toHaveAttribute('data-state', 'valid');

  const port = new URL(server.url).port;
  const { databaseUrl, dataDir } = server;
  await worker.stop();
  await server.stop();
  await item.getByRole('button', { name: `Open ${TITLE}` }).click();
  const viewer = app.getByRole('dialog', { name: TITLE });
  // pdf.js's viewer: each page's text layer carries that page's own sentence.
  await expect(viewer.locator('.page[data-page-number="1"] .textLayer')).toContainText(PDF_PAGES[0]!);
  await app.keyboard.press('ArrowRight');
  await expect(viewer.getByTestId('pdf-stage')).toHaveAttribute('data-rendered-page', '2');
  await expect(viewer.locator('.page[data-page-number="2"] .textLayer')).toContainText(PDF_PAGES[1]!);
  await app.screenshot({ path: test.info().outputPath('library-offline.png') });
  await app.keyboard.press('Escape');

  // ---- The network returns; the teacher sees the licence and revokes it.
  server = await startServer({ DATABASE_URL: databaseUrl, OUTPOST_DATA_DIR: dataDir, PORT: port });
  await page.reload();
  await menu(page).getByRole('link', { name: 'Materials' }).click();
  await page.getByRole('button', { name: `Licences of ${TITLE}` }).click();
  const licences = page.getByRole('region', { name: `Licences of “${TITLE}”` });
  const licence = licences.locator(`tr[data-email="${student.email}"]`);
  await expect(licence).toContainText('Aminah’s laptop');
  await expect(licence).toContainText('72 hours');
  await expect(licence.getByTestId('licence-status')).toHaveText('Active');
  await licence
    .getByRole('button', { name: `Revoke the licence of ${student.email} on Aminah’s laptop` })
    .click();
  const revoke = page.getByRole('dialog', { name: `Revoke the licence of ${student.email} for “${TITLE}”?` });
  await expect(revoke).toContainText(
    'Aminah’s laptop stops opening it at its next check with the server, or at the latest when its 72 hours of offline reading run out.',
  );
  await shoot(page, 'materials-revoke');
  await revoke.getByLabel('Reason (kept in the audit log)').fill('left the school');
  await revoke.getByRole('button', { name: 'Revoke the licence' }).click();
  await expect(licences.getByRole('status')).toHaveText(
    `The licence is revoked. Aminah’s laptop stops opening “${TITLE}” at its next check with the server.`,
  );
  await expect(licence.getByTestId('licence-status')).toContainText('Revoked');
  await expect(licence).toContainText('left the school');
  await shoot(page, 'materials-revoked');

  // ---- The laptop's next check: the Library says the school revoked it, and it no longer opens.
  await app.bringToFront();
  await app.getByRole('button', { name: 'Refresh the list' }).click();
  await expect(item.getByTestId('licence-state')).toHaveAttribute('data-state', 'revoked', {
    timeout: 60_000,
  });
  await expect(item.getByTestId('licence-state')).toHaveText(
    'Licence revoked by the school: it can no longer be read',
  );
  // The encrypted copy is gone from the laptop: nothing is left to open.
  await expect(item.getByTestId('download-state')).toHaveText('Not downloaded');
  await expect(item.getByRole('button', { name: `Open ${TITLE}` })).toBeHidden();
  await app.screenshot({ path: test.info().outputPath('library-after-revoke.png') });
});

test('a large upload moves its progress bar as the bytes go; a class is deleted after a confirmation', async ({
  page,
}) => {
  test.setTimeout(180_000);
  server = await startServer();
  const teacher = await createAccount(server, 'teacher', 'teacher');
  const dir = await tempDir('large-upload');
  const atlas = join(dir, 'atlas.pdf');
  // 48 MiB: a PDF by its first bytes (the server checks those); no worker runs, so its job stays queued.
  const size = 48 * 1024 * 1024;
  await writeFile(atlas, Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(size - 9)]));

  await page.goto(`${server.url}/admin/`);
  await consoleSignIn(page, teacher);
  await menu(page).getByRole('link', { name: 'Materials' }).click();
  // The link of a school's slow line (64 Mbit/s up), so the upload lasts long enough to be watched.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: 8 * 1024 * 1024,
  });
  // Every value the bar takes, as the page shows it (a string: e2e code is typed without the DOM).
  await page.evaluate(`(() => {
    window.__bar = [];
    setInterval(() => {
      const bar = document.querySelector('progress');
      const v = bar && Number(bar.getAttribute('value'));
      if (bar && window.__bar[window.__bar.length - 1] !== v) window.__bar.push(v);
    }, 20);
  })()`);
  const upload = page.getByRole('form', { name: 'Upload a material' });
  await upload.getByLabel('File').setInputFiles(atlas);
  await upload.getByLabel('Title').fill('Atlas');
  await upload.getByRole('button', { name: 'Upload' }).click();
  await expect(upload.getByTestId('upload-progress')).toContainText(/^Sending: .+ of .+ \(\d+ %\)$/);
  await shoot(page, 'materials-upload-progress');
  await expect(page.getByRole('status')).toContainText('“Atlas” is uploaded.', { timeout: 120_000 });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
  });
  const seen = (await page.evaluate('window.__bar')) as number[];
  // Several progress events reached the bar, each further than the last, up to the whole file.
  expect(seen.length).toBeGreaterThanOrEqual(4);
  for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
  expect(seen.some((v) => v > 0 && v < size)).toBe(true);
  expect(seen[seen.length - 1]).toBe(size);

  // ---- Deleting a class: the confirmation says what its students lose, then it is gone.
  await menu(page).getByRole('link', { name: 'Classes' }).click();
  await page.getByRole('button', { name: 'Create a class' }).click();
  const create = page.getByRole('form', { name: 'Create a class' });
  await create.getByLabel('Name of the class').fill('Geography 2A');
  await create.getByLabel('Students’ emails (one per line)').fill('pupil@school.example');
  await create.getByRole('button', { name: 'Create the class' }).click();
  await expect(page.getByRole('region', { name: 'Geography 2A' })).toBeVisible();
  await page.getByRole('button', { name: 'Delete the class Geography 2A' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete the class Geography 2A?' });
  await expect(confirm).toContainText(
    'Its students lose the class’s materials unless they have them another way',
  );
  await shoot(page, 'classes-delete');
  await confirm.getByRole('button', { name: 'Delete the class' }).click();
  await expect(page.getByRole('status')).toHaveText('The class Geography 2A is deleted; 0 licences revoked.');
  await expect(page.getByRole('region', { name: 'Geography 2A' })).toBeHidden();
  await expect(page.getByText('No class yet.')).toBeVisible();
});
