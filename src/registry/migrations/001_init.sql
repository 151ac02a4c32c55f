-- The registry's tables. Applied by migrate.ts in one transaction, with search_path set to the
-- registry's schema, so names here are unqualified.

-- Facts about the registry itself; 'keyCheck' proves which registry key wrote it.
CREATE TABLE registry_meta (
  name  text PRIMARY KEY,
  value jsonb NOT NULL
);

CREATE TABLE registry_apps (
  app_key         text PRIMARY KEY,
  name            text NOT NULL,
  android_package text NOT NULL,
  group_name      text,
  source          text NOT NULL CHECK (source IN ('config', 'created')),
  -- The master secret sealed with AES-256-GCM, the app key as associated data:
  -- {"iv", "tag", "data"} in base64, as in the registry file. NULL: no secret.
  secret          jsonb,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL
);

-- Side-records (review requests and callbacks, certificates, settings). json, not jsonb: the value
-- comes back exactly as written (key order, and strings holding \u0000, which jsonb refuses).
CREATE TABLE registry_records (
  collection text NOT NULL,
  key        text NOT NULL,
  value      json NOT NULL,
  PRIMARY KEY (collection, key)
);
