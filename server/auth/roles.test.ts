import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES } from '../../protocol/http';
import { fromConsole, signedInAs } from '../testing/console-browser';
import { startTestServer, type TestServer } from '../testing/harness';

/**
 * The five roles of issue #19: `user` became `student`, with one name in code, database and API
 * (docs/api.md, "Changes": no alias on input).
 */
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

describe('the five roles', () => {
  it('are pay_admin, ops, teacher, student and cashier; each can be given from People', async () => {
    expect(ROLES).toEqual(['pay_admin', 'ops', 'teacher', 'student', 'cashier']);
    const admin = await signedInAs(s, ['pay_admin']);
    const res = await fromConsole(s, admin, 'POST', '/console/users', {
      email: 'five-roles@example.com',
      roles: [...ROLES],
    });
    expect(res.status, res.text).toBe(201);
    expect((res.body as { user: { roles: string[] } }).user.roles).toEqual([...ROLES]);
  });

  it('`user` is refused on input, and the database holds no role by that name', async () => {
    const admin = await signedInAs(s, ['pay_admin']);
    const res = await fromConsole(s, admin, 'POST', '/console/users', {
      email: 'old-name@example.com',
      roles: ['user'],
    });
    expect(res.status).toBe(400);
    expect((res.body as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
    await expect(
      s.pool.query(`INSERT INTO users (email, password_hash, roles) VALUES ('x@example.com', 'x', '{user}')`),
    ).rejects.toThrow(/users_roles_check/);
  });
});
