-- Up Migration
-- The five roles of the back office (issue #19): `user` is called `student` wherever a person sees
-- it and in the API, and `cashier` is a role too. Stored roles are renamed, not aliased: the code
-- knows one name.
ALTER TABLE users DROP CONSTRAINT users_roles_check;
UPDATE users SET roles = array_replace(roles, 'user', 'student') WHERE 'user' = ANY (roles);
ALTER TABLE users ADD CONSTRAINT users_roles_check CHECK (
  cardinality(roles) > 0
  AND roles <@ ARRAY['pay_admin', 'ops', 'teacher', 'student', 'cashier']::text[]
);

-- Down Migration
ALTER TABLE users DROP CONSTRAINT users_roles_check;
UPDATE users SET roles = array_remove(roles, 'cashier') WHERE 'cashier' = ANY (roles);
UPDATE users SET roles = ARRAY['user'] WHERE cardinality(roles) = 0;
UPDATE users SET roles = array_replace(roles, 'student', 'user') WHERE 'student' = ANY (roles);
ALTER TABLE users ADD CONSTRAINT users_roles_check CHECK (
  cardinality(roles) > 0 AND roles <@ ARRAY['pay_admin', 'ops', 'teacher', 'user']::text[]
);
