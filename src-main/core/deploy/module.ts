import { BehaviorSubject } from 'rxjs';
import type { CoreModule } from '../api/module';
import { appliedInMemory, appliedInStore } from './applied-provisioning-store';
import { applyProvisioning, enforcedEnrollment, provisioningView } from './provisioning';

/**
 * Deployment: IT's signed provisioning file, applied at start (the last applied one is in the
 * encrypted store: its issued_at refuses older files). No calls of its own; the updater's
 * anti-rollback state is the core's `updateState`.
 */
export const deployModule: CoreModule<'deploy'> = {
  feature: 'deploy',
  async start({ config, db, settings, device, online }) {
    const provisioning = await applyProvisioning(
      { settings, device },
      {
        dataDir: config.dataDir,
        applied: db ? await appliedInStore(config.dataDir, db.rx.collections.settings) : appliedInMemory(),
        ...config.provisioning,
      },
    );
    const view = new BehaviorSubject(provisioningView(provisioning));
    // A provisioned terminal that was offline at first start enrolls as soon as it can.
    const enrollSub = online.subscribe(() => {
      if (provisioning.status === 'applied' && view.value.message !== null) {
        void provisioning
          .enroll()
          .then((result) => view.next(provisioningView({ ...provisioning, enrollment: result })));
      }
    });
    return {
      commands: {},
      subscriptions: {},
      offers: { deploy: { view, enforced: enforcedEnrollment(provisioning) } },
      close() {
        enrollSub.unsubscribe();
        view.complete();
      },
    };
  },
};
