import type { ReactNode } from 'react';

/** A list as a table with its column headings, scrolling sideways on a narrow screen. */
export function Table({ heads, children }: { heads: readonly (string | false)[]; children: ReactNode }) {
  return (
    <div className="scroll">
      <table>
        <thead>
          <tr>
            {heads
              .filter((h) => h !== false)
              .map((h) => (
                <th scope="col" key={h}>
                  {h}
                </th>
              ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/**
 * A row's action cell: one button, when `show`, named for screen readers with what it acts on
 * ("Revoke Till 2"), since every row's button reads the same.
 */
export function RowAction(props: { show: boolean; name: string; text: string; onClick: () => void }) {
  return (
    <td className="actions">
      {props.show && (
        <button type="button" aria-label={props.name} onClick={props.onClick}>
          {props.text}
        </button>
      )}
    </td>
  );
}
