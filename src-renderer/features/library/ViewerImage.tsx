import type { ViewerProps } from './viewer-props';

export function ViewerImage({ material }: ViewerProps) {
  return (
    <div className="viewer-image">
      <img src={material.url} alt={material.title} draggable={false} />
    </div>
  );
}
