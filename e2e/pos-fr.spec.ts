import { expect, test } from '@playwright/test';
import { BARCODE, enrollAndOpenShift, typeBarcode, usePosWorld } from './pos-fixtures';

/**
 * A cashier in Dakar works in French: labels, amounts in francs CFA (XOF has no minor unit, so no
 * decimals ever) and the policy's refusal, all in French.
 */
const world = usePosWorld();

/** fr-FR groups with a narrow no-break space and puts the symbol after: "29 500 F CFA". */
const francs = (digits: string) => new RegExp(`^${digits.replace(' ', '\\s')}\\sF\\sCFA$`);

test('en français : une vente en francs CFA sans décimales, et le refus de la politique en français', async ({
  page,
}) => {
  await enrollAndOpenShift(page, world);
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Language').selectOption('fr');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('link', { name: 'Réglages' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');

  await page.getByRole('link', { name: 'Vente' }).click();
  await expect(page.getByTestId('shift-info')).toContainText(/Caisse ouverte depuis .*10\s000\sF\sCFA/);
  const search = page.getByRole('combobox', { name: 'Chercher un produit ou scanner un code-barres' });
  await typeBarcode(search, BARCODE.rice);
  await search.pressSequentially('huile');
  await expect(page.getByRole('option', { name: /Huile 1L/ })).toBeVisible();
  await search.press('Enter');
  // 1 180 + 1 770.
  await expect(page.getByTestId('cart-total')).toHaveText(francs('2 950'));
  await expect(page.getByRole('heading', { name: 'Panier' })).toBeVisible();

  await page.getByLabel('Espèces reçues').fill('5 000');
  await expect(page.getByTestId('change-due')).toHaveText(francs('2 050'));
  await page.getByRole('button', { name: /^Encaisser/ }).click();
  await expect(page.getByTestId('receipt-number')).toContainText('Vente n° 1');
  await expect(page.getByTestId('receipt-mode')).toHaveText('Enregistrée en ligne');
  await expect(page.getByTestId('receipt-total')).toHaveText(francs('2 950'));
  await expect(page.getByTestId('receipt-change')).toHaveText(francs('2 050'));

  // Above the policy's maximum per sale with the network cut: refused, in French, with the amounts
  // in francs, saying the server cannot be reached to authorise it (online it would be asked:
  // e2e/pos-online-limit.spec.ts).
  await world.stopServer();
  await expect(page.getByTestId('server-reachability')).toHaveText('Hors ligne');
  await typeBarcode(search, BARCODE.tv);
  await expect(page.getByTestId('cart-total')).toHaveText(francs('29 500'));
  await page.getByRole('button', { name: 'Montant exact' }).click();
  await page.getByRole('button', { name: /^Encaisser/ }).click();
  await expect(page.getByTestId('pay-error')).toHaveText(
    /^Cette vente dépasse le montant maximal autorisé par vente\. Au-delà, la vente doit être autorisée par le serveur, qui est injoignable : reconnectez-vous ou réduisez la vente\. \(cette vente : 29\s500\sF\sCFA · plafond : 20\s000\sF\sCFA\)$/,
  );
  await expect(page.getByTestId('receipt')).toHaveCount(0);
});
