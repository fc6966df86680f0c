import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../../protocol/api';
import type { OutboxDoc } from '../store';
import {
  describe as describeFailure,
  EMPTY_COUNTS,
  rejectedBundle,
  replicationFailure,
  syncState,
  syncStatus,
  type StatusFacts,
} from './status';

const facts: StatusFacts = {
  enrolled: true,
  syncing: false,
  offline: false,
  counts: EMPTY_COUNTS,
  rejectedBundles: [],
  waiting: 0,
  lastError: null,
  lastSyncAt: null,
  nextRetryAt: null,
};
const refused = { bundleId: 'b', seqFrom: 1, seqTo: 2, code: 'X', message: '' };

describe('sync status', () => {
  it('shows the first state that applies: not enrolled, syncing, blocked, offline, retrying, idle', () => {
    expect(syncState({ ...facts, enrolled: false, syncing: true })).toBe('not_enrolled');
    expect(syncState({ ...facts, syncing: true, rejectedBundles: [refused] })).toBe('syncing');
    expect(syncState({ ...facts, rejectedBundles: [refused], offline: true })).toBe('blocked');
    expect(syncState({ ...facts, offline: true, waiting: 1 })).toBe('offline');
    expect(syncState({ ...facts, waiting: 1 })).toBe('retrying');
    expect(syncState(facts)).toBe('idle');
  });

  it('gives the next retry only while a bundle waits, and the last error by code and message', () => {
    const at = Date.parse('2025-01-15T12:00:00.000Z');
    const status = syncStatus({
      ...facts,
      waiting: 1,
      nextRetryAt: at,
      lastError: { code: 'UNAVAILABLE', message: 'm' },
    });
    expect(status).toMatchObject({
      state: 'retrying',
      nextRetryAt: '2025-01-15T12:00:00.000Z',
      lastErrorCode: 'UNAVAILABLE',
      lastError: 'm',
    });
    expect(syncStatus({ ...facts, nextRetryAt: at }).nextRetryAt).toBeNull();
  });

  it('lists a refused bundle with its code, REJECTED when it has none', () => {
    const doc = {
      bundleId: 'b',
      seqFrom: 1,
      seqTo: 2,
      lastErrorCode: 'CLOCK_SKEW',
      lastError: 'late',
    } as OutboxDoc;
    expect(rejectedBundle(doc)).toEqual({
      bundleId: 'b',
      seqFrom: 1,
      seqTo: 2,
      code: 'CLOCK_SKEW',
      message: 'late',
    });
    expect(
      rejectedBundle({ ...doc, lastErrorCode: undefined, lastError: undefined } as unknown as OutboxDoc),
    ).toEqual({
      ...refused,
      code: 'REJECTED',
    });
  });

  it('describes an API error by its code, anything else as INTERNAL', () => {
    expect(describeFailure(new ApiError('UNAVAILABLE', 'down'))).toEqual({
      code: 'UNAVAILABLE',
      message: 'down',
    });
    expect(describeFailure(new Error('bug'))).toEqual({ code: 'INTERNAL', message: 'bug' });
    expect(describeFailure('odd')).toEqual({ code: 'INTERNAL', message: 'odd' });
  });

  it("shows RxDB's own failures, not its wrappers of a handler's failure (already in the status)", () => {
    const wrapped = Object.assign(new Error('RxError (RC_PUSH)'), { code: 'RC_PUSH' });
    expect(replicationFailure(wrapped)).toBeNull();
    expect(replicationFailure(Object.assign(new Error('pull'), { code: 'RC_PULL' }))).toBeNull();
    expect(replicationFailure(new Error('meta storage closed'))).toEqual({
      code: 'INTERNAL',
      message: 'meta storage closed',
    });
  });
});
