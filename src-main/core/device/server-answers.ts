import { z } from 'zod';

/**
 * The parts of the server's answers the core relies on. Extra fields are allowed: the server may
 * grow its answers without breaking terminals in the field.
 */
export const EnrollAnswer = z.object({
  device: z.object({
    device_id: z.string(),
    tenant_type: z.string(),
    tenant_id: z.string(),
    country: z.string(),
    currency_default: z.string(),
  }),
  server: z.object({ signing_public_key_pem: z.string(), hpke_public_key: z.string() }),
  policy: z.unknown().nullable(),
  server_time: z.iso.datetime({ offset: true }),
});

export const SignInAnswer = z.object({
  access_token: z.string(),
  refresh_token: z.string(),
  expires_in: z.number(),
  user: z.object({ id: z.string(), email: z.string() }),
});

export const LaptopDeviceAnswer = z.object({ device_id: z.string() });

export const CheckInAnswer = z.object({
  device_id: z.string(),
  status: z.string(),
  server_time: z.iso.datetime({ offset: true }),
  policy: z.unknown().nullable().optional(),
});
