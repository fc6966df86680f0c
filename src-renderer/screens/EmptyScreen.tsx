export function EmptyScreen({ heading, text }: { heading: string; text: string }) {
  return (
    <section className="screen">
      <h1>{heading}</h1>
      <p className="empty">{text}</p>
    </section>
  );
}
