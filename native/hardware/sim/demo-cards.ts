import type { SimSwipe } from './card-readers';

/**
 * The cards demo hardware can swipe, by name: the networks' public test numbers only, so the
 * contract never has to carry track data (a demo swipe names its sample; the number stays here).
 */
export const DEMO_CARDS = {
  visa: {
    track1: '%B4111111111111111^DEMO/CARD^2812101000000000?',
    track2: ';4111111111111111=28121010000000000?',
  },
  mastercard: {
    track1: '%B5555555555554444^DEMO/CARD^2712201000?',
    track2: ';5555555555554444=27122010000?',
  },
  amex: { track2: ';378282246310005=29011010000000000?' },
  /** A swipe too fast or crooked: track 2 cut off before its end sentinel, track 1 unreadable. */
  'bad-swipe': { track1: 'error', track2: ';41111111111' },
  /** A card whose expiry month has passed. */
  expired: { track2: ';4111111111111111=20011010000000000?' },
} as const satisfies Record<string, SimSwipe>;

export type DemoCard = keyof typeof DEMO_CARDS;
