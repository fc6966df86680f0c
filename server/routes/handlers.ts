import { auditHandlers } from '../audit/handlers';
import { authHandlers } from '../auth/handlers';
import { backOfficeHandlers } from '../back-office/handlers';
import { cashierHandlers } from '../cashiers/handlers';
import { catalogHandlers } from '../catalog/handlers';
import { catalogImageHandlers } from '../catalog/images';
import { classHandlers } from '../materials/classes';
import { consoleHandlers } from '../console/handlers';
import { deviceHandlers } from '../devices/handlers';
import { healthHandlers } from '../health/handlers';
import { jobHandlers } from '../jobs/handlers';
import { licenceHandlers } from '../licences/handlers';
import { materialHandlers } from '../materials/handlers';
import { paymentHandlers } from '../payments/handlers';
import { policyHandlers } from '../policies/handlers';
import { policyHistoryHandlers } from '../policies/history';
import { onlineHandlers } from '../online/handlers';
import { qrHandlers } from '../qr/handlers';
import { salesHandlers } from '../sales/handlers';
import { openApiHandlers } from './openapi';
import type { TrustDeps } from './deps';
import type { Handlers } from './types';

export function allHandlers(deps: TrustDeps): Handlers {
  return {
    ...authHandlers(deps),
    ...deviceHandlers(deps),
    ...policyHandlers(deps),
    ...paymentHandlers(deps),
    ...healthHandlers(deps),
    ...materialHandlers(deps),
    ...licenceHandlers(deps),
    ...qrHandlers(deps),
    ...onlineHandlers(deps),
    ...backOfficeHandlers(deps),
    ...policyHistoryHandlers(deps),
    ...catalogHandlers(deps),
    ...consoleHandlers(deps),
    ...salesHandlers(deps),
    ...openApiHandlers(),
    ...cashierHandlers(deps),
    ...auditHandlers(deps),
    ...classHandlers(deps),
    ...jobHandlers(deps),
    ...catalogImageHandlers(deps),
  };
}
