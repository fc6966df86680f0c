import type { ComponentType } from 'react';
import type { Messages } from '../i18n/en';
import { LibraryScreen } from './library/LibraryScreen';
import { PosScreen } from './pos/PosScreen';
import { SettingsScreen } from './settings/SettingsScreen';
import { SyncScreen } from './sync/SyncScreen';

/** Which provisioned feature a screen belongs to; `null` for screens every device shows. */
type ProvisionedFeature = 'pos' | 'library' | null;

export interface ScreenEntry {
  /** The hash route (`#/pos`); its name in the navigation is `nav.<route>`, in every locale. */
  readonly route: keyof Messages['nav'];
  readonly Screen: ComponentType;
  /** IT's provisioning hides the screen unless this feature is on. */
  readonly feature: ProvisionedFeature;
}

/** Shown on every device, and where a device with no allowed feature screen lands. */
export const SETTINGS_SCREEN: ScreenEntry = { route: 'settings', Screen: SettingsScreen, feature: null };

/**
 * The screens in navigation order: a feature with a screen adds one entry here (its module's other
 * list entry is in `src-main/core/index.ts`). The first allowed screen is the home screen.
 */
export const SCREENS: readonly ScreenEntry[] = [
  { route: 'pos', Screen: PosScreen, feature: 'pos' },
  { route: 'library', Screen: LibraryScreen, feature: 'library' },
  { route: 'sync', Screen: SyncScreen, feature: 'pos' },
  SETTINGS_SCREEN,
];
