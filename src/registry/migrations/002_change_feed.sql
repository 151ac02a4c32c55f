-- The registry's change feed: every gateway holds the registry in memory (src/registry/postgres.ts)
-- and learns of each change from a notice on the channel jiguang_registry_<schema>. Triggers stamp and
-- announce every insert, update and delete, whoever makes it: a gateway of this version, an older one
-- during a rolling update (it writes the same columns as before), or an operator in psql. Additive
-- only: a column with a default, a sequence, functions and triggers.

-- One version sequence for both tables: each stored row carries the version of its last change, so a
-- gateway never replaces what it holds with an older read of it.
CREATE SEQUENCE registry_version_seq;
ALTER TABLE registry_apps ADD COLUMN version bigint NOT NULL DEFAULT nextval('registry_version_seq');
ALTER TABLE registry_records ADD COLUMN version bigint NOT NULL DEFAULT nextval('registry_version_seq');

-- Functions resolve names in this schema whatever the caller's search_path (SET ... FROM CURRENT).
CREATE FUNCTION registry_stamp() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  NEW.version := nextval('registry_version_seq');
  RETURN NEW;
END
$$;

-- pg_notify on the schema's channel; delivered when the writing transaction commits, dropped if it
-- rolls back. Channel names have at most 63 bytes (schema names are ASCII, checked by the gateway).
-- The payload carries the schema (two long schema names may share a channel) and, unless that would
-- pass NOTIFY's 8000-byte limit, the key: without it, listeners re-read everything.
CREATE FUNCTION registry_notify(schema text, payload jsonb) RETURNS void LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  body text := (payload || jsonb_build_object('s', schema))::text;
BEGIN
  IF octet_length(body) > 7900 THEN
    body := ((payload - 'k' - 'c') || jsonb_build_object('s', schema))::text;
  END IF;
  PERFORM pg_notify('jiguang_registry_' || left(schema, 46), body);
END
$$;

-- op: I, U (the row now has version v; re-read it), D (the row of version v and older is gone), T (truncated).
CREATE FUNCTION registry_apps_announce() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM registry_notify(TG_TABLE_SCHEMA, jsonb_build_object('t', 'app', 'op', 'D', 'k', OLD.app_key, 'v', OLD.version));
  ELSE
    IF TG_OP = 'UPDATE' THEN
      IF OLD.app_key <> NEW.app_key THEN
        PERFORM registry_notify(TG_TABLE_SCHEMA, jsonb_build_object('t', 'app', 'op', 'D', 'k', OLD.app_key, 'v', OLD.version));
      END IF;
    END IF;
    PERFORM registry_notify(TG_TABLE_SCHEMA, jsonb_build_object('t', 'app', 'op', left(TG_OP, 1), 'k', NEW.app_key, 'v', NEW.version));
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION registry_records_announce() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM registry_notify(TG_TABLE_SCHEMA, jsonb_build_object('t', 'record', 'op', 'D', 'c', OLD.collection, 'k', OLD.key, 'v', OLD.version));
  ELSE
    IF TG_OP = 'UPDATE' THEN
      IF OLD.collection <> NEW.collection OR OLD.key <> NEW.key THEN
        PERFORM registry_notify(TG_TABLE_SCHEMA, jsonb_build_object('t', 'record', 'op', 'D', 'c', OLD.collection, 'k', OLD.key, 'v', OLD.version));
      END IF;
    END IF;
    PERFORM registry_notify(TG_TABLE_SCHEMA, jsonb_build_object('t', 'record', 'op', left(TG_OP, 1), 'c', NEW.collection, 'k', NEW.key, 'v', NEW.version));
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION registry_truncate_announce() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM registry_notify(TG_TABLE_SCHEMA, jsonb_build_object('t', CASE WHEN TG_TABLE_NAME = 'registry_apps' THEN 'app' ELSE 'record' END, 'op', 'T'));
  RETURN NULL;
END
$$;

CREATE TRIGGER registry_apps_stamp BEFORE INSERT OR UPDATE ON registry_apps FOR EACH ROW EXECUTE FUNCTION registry_stamp();
CREATE TRIGGER registry_apps_announce AFTER INSERT OR UPDATE OR DELETE ON registry_apps FOR EACH ROW EXECUTE FUNCTION registry_apps_announce();
CREATE TRIGGER registry_apps_truncate AFTER TRUNCATE ON registry_apps FOR EACH STATEMENT EXECUTE FUNCTION registry_truncate_announce();
CREATE TRIGGER registry_records_stamp BEFORE INSERT OR UPDATE ON registry_records FOR EACH ROW EXECUTE FUNCTION registry_stamp();
CREATE TRIGGER registry_records_announce AFTER INSERT OR UPDATE OR DELETE ON registry_records FOR EACH ROW EXECUTE FUNCTION registry_records_announce();
CREATE TRIGGER registry_records_truncate AFTER TRUNCATE ON registry_records FOR EACH STATEMENT EXECUTE FUNCTION registry_truncate_announce();
