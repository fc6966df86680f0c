import type { OpenedMaterial } from '../../../protocol/api';

/** What each viewer of an opened material gets (Viewer.tsx picks the viewer). */
export interface ViewerProps {
  material: OpenedMaterial;
}
