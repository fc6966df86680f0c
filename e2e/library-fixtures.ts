import { crc32, deflateSync } from 'node:zlib';
import { expect, type Page } from '@playwright/test';
import { PDFDocument, StandardFonts } from 'pdf-lib';

/** Materials for the Library's end-to-end tests, each with text that tells its pages apart. */

export const PDF_PAGES = [
  'Cells are the unit of life',
  'Membranes keep cells apart',
  'Mitochondria make energy',
];
export const EPUB_CHAPTERS = ['Photosynthesis turns light into sugar', 'Respiration burns the sugar again'];
export const TEXT_BODY = '# Field notes\n\nThe pond had 14 frogs on Monday.\n';

/** The student registers the laptop with their own account, from the Library's prompt. */
export async function registerLaptop(
  page: Page,
  student: { email: string; password: string },
): Promise<void> {
  await page.getByRole('link', { name: 'Library' }).click();
  await expect(page.getByTestId('library-not-registered')).toBeVisible();
  await page.getByRole('link', { name: 'Register this laptop' }).click();
  await page.getByLabel('Email').fill(student.email);
  await page.getByLabel('Password').fill(student.password);
  await page.getByLabel('Name for this laptop').fill('Aminah’s laptop');
  await page.getByRole('button', { name: 'Sign in and register' }).click();
  await expect(page.getByTestId('device-facts')).toContainText('Student laptop');
}

export async function makePdf(): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  PDF_PAGES.forEach((text, index) => {
    const page = pdf.addPage([595, 842]);
    page.drawText(`Page ${index + 1}`, { x: 60, y: 760, size: 28, font });
    page.drawText(text, { x: 60, y: 700, size: 20, font });
  });
  return pdf.save();
}

/** An EPUB 3 with one chapter per sentence: an OCF zip, `mimetype` stored first as the spec asks. */
export function makeEpub(): Buffer {
  const chapter = (title: string, index: number) =>
    `<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Chapter ${index}</title></head>
<body><h1>Chapter ${index}</h1><p>${title}</p></body></html>`;
  const files: [string, string][] = [
    ['mimetype', 'application/epub+zip'],
    [
      'META-INF/container.xml',
      `<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>`,
    ],
    [
      'OEBPS/content.opf',
      `<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:identifier id="id">urn:uuid:8a1f0c52-2b7e-4c1e-9a55-0d7f4f0e9b11</dc:identifier>
<dc:title>Plants</dc:title><dc:language>en</dc:language>
<meta property="dcterms:modified">2026-01-01T00:00:00Z</meta>
</metadata>
<manifest>
<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
<item id="c1" href="c1.xhtml" media-type="application/xhtml+xml"/>
<item id="c2" href="c2.xhtml" media-type="application/xhtml+xml"/>
</manifest>
<spine><itemref idref="c1"/><itemref idref="c2"/></spine>
</package>`,
    ],
    [
      'OEBPS/nav.xhtml',
      `<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><head><title>Contents</title></head>
<body><nav epub:type="toc"><ol><li><a href="c1.xhtml">Chapter 1</a></li><li><a href="c2.xhtml">Chapter 2</a></li></ol></nav></body></html>`,
    ],
    ...EPUB_CHAPTERS.map((text, i): [string, string] => [`OEBPS/c${i + 1}.xhtml`, chapter(text, i + 1)]),
  ];
  return storedZip(files.map(([name, body]) => [name, Buffer.from(body)]));
}

/** A zip of uncompressed entries: all an EPUB reader needs, in a few lines. */
function storedZip(entries: [string, Buffer][]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const fileName = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(fileName.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, fileName, data);
    centrals.push(central, fileName);
    offset += local.length + fileName.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** A 24×24 PNG, half green and half white, so a shown image has measurable content. */
export function makePng(): Buffer {
  const size = 24;
  const rows: Buffer[] = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 3, 0xff);
    row[0] = 0;
    for (let x = 0; x < size / 2; x++) row.set([0x0b, 0x6e, 0x4f], 1 + x * 3);
    rows.push(row);
  }
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([head, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
