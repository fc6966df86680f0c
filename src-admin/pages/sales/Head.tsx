/**
 * A table's header row: each column's name; `{ num: name }` for a column of amounts (right-aligned,
 * as the cells under it), `{ hidden: name }` for one named for screen readers only.
 */
export function Head({ cols }: { cols: readonly (string | { num: string } | { hidden: string })[] }) {
  return (
    <thead>
      <tr>
        {cols.map((c, i) =>
          typeof c === 'string' ? (
            <th key={i} scope="col">
              {c}
            </th>
          ) : 'num' in c ? (
            <th key={i} scope="col" className="num">
              {c.num}
            </th>
          ) : (
            <th key={i} scope="col">
              <span className="visually-hidden">{c.hidden}</span>
            </th>
          ),
        )}
      </tr>
    </thead>
  );
}
