export const en = {
  app: { title: 'Outpost' },
  nav: { pos: 'Sale', library: 'Library', sync: 'Sync', settings: 'Settings' },
  status: {
    online: 'Server online',
    offline: 'Offline',
    unknown: 'Checking server…',
    coreLost: 'Lost contact with the app. Reconnecting…',
    notEnrolled: 'Not enrolled',
    enrolled: 'Enrolled',
    revoked: 'Revoked',
  },
  pos: { empty: 'No products yet. The catalog appears here once this terminal is enrolled and synced.' },
  library: { empty: 'No materials yet. Materials you are licensed to read will appear here.' },
  sync: { empty: 'Nothing waiting to be sent.', lastCheck: 'Last server check: {{when}}', never: 'never' },
  settings: {
    heading: 'Settings',
    device: 'This device',
    deviceId: 'Device ID',
    enrollment: 'Enrollment',
    version: 'Version',
    platform: 'Platform',
    server: 'Server',
    serverUrl: 'Server address',
    language: 'Language',
    currency: 'Currency',
    terminalName: 'Terminal name',
    save: 'Save',
    saved: 'Saved.',
    none: 'not assigned yet',
    example: 'Example amount: {{amount}}',
  },
  errors: {
    title: 'Something went wrong',
    reload: 'Reload',
    details: 'Details',
  },
} as const;

type Shape<T> = { [K in keyof T]: T[K] extends string ? string : Shape<T[K]> };
export type Messages = Shape<typeof en>;
