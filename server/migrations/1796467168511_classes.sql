-- Up Migration
-- A teacher's classes (issue #19, item 9): a named list of student emails, and the materials granted
-- to it. A student's access to a material is derived (server/materials/store.ts, MAY_TAKE): direct
-- grant, or membership of a class the material is granted to. So a student added later gets the
-- class's materials, and one removed (or a class grant withdrawn) loses what came only through it.

CREATE TABLE offline_classes (
  id uuid PRIMARY KEY,
  owner_id uuid NOT NULL REFERENCES users (id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (owner_id, name)
);

-- By email, as direct grants are: a class list can be made before every student has signed up.
CREATE TABLE offline_class_members (
  class_id uuid NOT NULL REFERENCES offline_classes (id) ON DELETE CASCADE,
  email text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 320),
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (class_id, email)
);
CREATE INDEX offline_class_members_email ON offline_class_members (email);

CREATE TABLE offline_class_grants (
  class_id uuid NOT NULL REFERENCES offline_classes (id) ON DELETE CASCADE,
  material_id uuid NOT NULL REFERENCES offline_materials (id) ON DELETE CASCADE,
  granted_by uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (class_id, material_id)
);
CREATE INDEX offline_class_grants_material ON offline_class_grants (material_id);

-- A licence its teacher revoked bars its student from that material through any class too (the
-- direct grant is deleted as before), until the teacher grants it to them, or to a class of theirs,
-- again.
CREATE TABLE offline_material_bars (
  material_id uuid NOT NULL REFERENCES offline_materials (id) ON DELETE CASCADE,
  email text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 320),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (material_id, email)
);

-- Down Migration

DROP TABLE offline_material_bars;
DROP TABLE offline_class_grants;
DROP TABLE offline_class_members;
DROP TABLE offline_classes;
