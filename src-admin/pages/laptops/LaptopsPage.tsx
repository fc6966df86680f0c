import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { LaptopList, LaptopRecord } from '../../../protocol/http/back-office';
import { api } from '../../api';
import { FormDialog } from '../../components/Dialog';
import { ErrorNote } from '../../components/ErrorNote';
import { Notice } from '../../components/Notice';
import { RowAction, Table } from '../../components/Table';
import { When } from '../../components/When';
import type { PageProps } from '../../page-props';
import { useList } from '../use-list';

/**
 * Laptops (issue #19, item 4): the laptops users registered for materials, one table per user;
 * deregistering one revokes its licences (after a confirmation that says so).
 */
export function LaptopsPage(_: PageProps) {
  const { t } = useTranslation();
  const { items: laptops, error, load } = useList('/offline/laptops', (b: LaptopList) => b.laptops);
  const [removing, setRemoving] = useState<LaptopRecord>();
  const [notice, setNotice] = useState<string>();
  const nameOf = (l: LaptopRecord) => l.name ?? l.device_id;
  const users = [...new Set((laptops ?? []).map((l) => l.user_email))].sort();

  return (
    <>
      <h1>{t('laptops.title')}</h1>
      <p>{t('laptops.intro')}</p>
      <Notice text={notice} />
      <ErrorNote error={error} />
      {laptops?.length === 0 && <p>{t('laptops.none')}</p>}
      {users.map((email) => (
        <section key={email} aria-label={email} data-user={email}>
          <h2>{email}</h2>
          <Table
            heads={[
              t('laptops.laptop'),
              t('laptops.platform'),
              t('laptops.registered'),
              t('tills.lastSeen'),
              t('tills.status'),
              t('tills.actions'),
            ]}
          >
            {laptops!
              .filter((l) => l.user_email === email)
              .map((l) => (
                <tr key={l.device_id} data-device-id={l.device_id}>
                  <td>
                    {nameOf(l)}
                    {l.name !== null && <small className="code">{l.device_id}</small>}
                  </td>
                  <td>{l.platform ?? ''}</td>
                  <td>
                    <When iso={l.created_at} never="" />
                  </td>
                  <td>
                    <When iso={l.last_seen_at} never={t('tills.never')} />
                  </td>
                  <td>{t(`laptops.statuses.${l.status}`)}</td>
                  <RowAction
                    show={l.status === 'active'}
                    name={t('laptops.deregisterOne', { name: nameOf(l), email })}
                    text={t('laptops.deregister')}
                    onClick={() => setRemoving(l)}
                  />
                </tr>
              ))}
          </Table>
        </section>
      ))}

      {removing && (
        <FormDialog
          title={t('laptops.deregisterTitle', { name: nameOf(removing), email: removing.user_email })}
          submit={t('laptops.deregisterSubmit')}
          onClose={() => setRemoving(undefined)}
          onSubmit={async () => {
            const res = await api<{ licenses_revoked: number }>(
              'DELETE',
              `/offline/laptops/${encodeURIComponent(removing.device_id)}`,
            );
            setRemoving(undefined);
            setNotice(t('laptops.deregistered', { name: nameOf(removing), count: res.licenses_revoked }));
            load();
          }}
        >
          <p>{t('laptops.deregisterWhat')}</p>
        </FormDialog>
      )}
    </>
  );
}
