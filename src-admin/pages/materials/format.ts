/**
 * A size in the largest unit that keeps it readable ("340 kB", "12.5 MB"), in the user's locale;
 * counted in 1024s as file managers do, so the server's 512 MiB limit reads "512 MB".
 */
export function fileSize(bytes: number, locale: string): string {
  const [unit, size] =
    bytes >= 2 ** 30
      ? (['gigabyte', 2 ** 30] as const)
      : bytes >= 2 ** 20
        ? (['megabyte', 2 ** 20] as const)
        : bytes >= 2 ** 10
          ? (['kilobyte', 2 ** 10] as const)
          : (['byte', 1] as const);
  return new Intl.NumberFormat(locale, { style: 'unit', unit, maximumFractionDigits: 1 }).format(
    bytes / size,
  );
}

/** The emails in what a teacher typed or pasted: one per line, or separated by commas or spaces. */
export const emailsIn = (text: string) =>
  text
    .split(/[\s,;]+/)
    .map((e) => e.trim())
    .filter((e) => e !== '');
