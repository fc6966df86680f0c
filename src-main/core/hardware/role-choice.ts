import type { HardwareChoice } from '../../../protocol/api';
import type { RoleChoice } from '../../../native/hardware';

/**
 * A saved Settings choice as HardwareManager takes it. The contract names one terminator key; the
 * driver takes a set: with Tab or a Ctrl-key suffix, Enter still ends a scan so a person typing on
 * the same device is not left with a line that never finishes.
 */
export function roleChoice(choice: HardwareChoice): RoleChoice {
  const { wedge, ...rest } = choice;
  if (!wedge) return rest;
  return {
    ...rest,
    wedge: {
      prefix: wedge.prefix,
      suffix: wedge.suffix,
      terminators: wedge.terminator === 'enter' ? ['enter'] : [wedge.terminator, 'enter'],
      ...(wedge.minLength !== undefined ? { minLength: wedge.minLength } : {}),
    },
  };
}
