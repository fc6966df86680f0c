/** Luhn (ISO/IEC 7812-1 annex B) over ASCII digits; false for anything that is not all digits. */
export function luhnValid(digits: Uint8Array): boolean {
  if (digits.length === 0) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    const d = (digits[i] ?? 0) - 0x30;
    if (d < 0 || d > 9) return false;
    let v = double ? d * 2 : d;
    if (v > 9) v -= 9;
    sum += v;
    double = !double;
  }
  return sum % 10 === 0;
}
